"""The Secretariat's staff roles, as Django groups with model permissions (the admin shows each role only what
its permissions allow: Django checks them in every ModelAdmin's ``has_*_permission`` and in the actions'
``allowed_permissions``).

- **Moderator**: reads everything; decides on pledges (publish, request changes, reject, completion, revisions),
  progress reports and best practices, and organisations (verify, reject, merge, appoint owners); works the
  problem-report queue; writes internal notes and announcements.
- **Analyst**: reads everything and exports it (the admin's "Export selected to CSV"), starts annual reports;
  changes nothing.
- **Administrator**: reads everything; reference data (countries, taxonomies, currencies and rates, reporting
  periods), users and their email addresses and second factors, registry imports, the terms of use and privacy
  notice, the retention rule, annual reports (start, release) and their forewords, the outbox; writes internal
  notes and announcements.

A staff member gets a role by being put in its group (Users in the admin: "Staff status" and "Groups").
``roles_sync`` sets each group's permissions to exactly what is listed here; it runs in this app's data
migration and after every ``migrate`` (so models added later are covered by "reads everything").
"""

MODERATOR, ANALYST, ADMINISTRATOR = "Moderator", "Analyst", "Administrator"

# (app label, model name) -> actions beyond "view" that the role has. Every role may view every model.
ROLE_PERMISSIONS: dict[str, dict[tuple[str, str], tuple[str, ...]]] = {
    MODERATOR: {
        ("organisations", "organisation"): ("change",),
        ("pledges", "pledge"): ("change",),
        ("pledges", "pledgerevision"): ("change",),
        ("pledges", "problemreport"): ("change",),
        ("progress", "progressreport"): ("change",),
        ("progress", "bestpractice"): ("change",),
        ("secretariat", "internalnote"): ("add",),
        ("secretariat", "announcement"): ("add", "change"),
        ("secretariat", "announcementtext"): ("add", "change", "delete"),
    },
    ANALYST: {
        ("reports", "annualreport"): ("add",),
    },
    ADMINISTRATOR: {
        **{
            ("reference", model): ("add", "change", "delete")
            for model in (
                "country",
                "region",
                "countrygroup",
                "countrygroupmembership",
                "focusarea",
                "pillar",
                "pledgetype",
                "stakeholdertype",
                "sdg",
                "beneficiarygroup",
                "connectivitytarget",
                "campaign",
                "partnershipneed",
                "currency",
                "exchangerate",
            )
        },
        ("progress", "reportingperiod"): ("add", "change", "delete"),
        ("accounts", "user"): ("add", "change", "delete"),
        ("account", "emailaddress"): ("add", "change", "delete"),
        ("mfa", "authenticator"): ("delete",),
        ("secretariat", "registryimport"): ("add", "change", "delete"),
        ("secretariat", "legaldocument"): ("add", "change"),
        ("secretariat", "retentionpolicy"): ("add", "change"),
        ("secretariat", "internalnote"): ("add",),
        ("secretariat", "announcement"): ("add", "change"),
        ("secretariat", "announcementtext"): ("add", "change", "delete"),
        ("reports", "annualreport"): ("add", "change"),
        ("reports", "annualreportforeword"): ("add", "change", "delete"),
        ("outbox", "outboxmessage"): ("change",),
    },
}


def role_codenames(role: str, *, existing: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (app label, codename) permissions of ``role``: "view" of every model in ``existing`` plus the
    role's own actions (only those that exist: an app not installed is skipped)."""
    wanted = {(app, codename) for app, codename in existing if codename.startswith("view_")}
    for (app, model), actions in ROLE_PERMISSIONS[role].items():
        for action in actions:
            key = (app, f"{action}_{model}")
            if key in existing:
                wanted.add(key)
    return wanted


def roles_sync(apps=None, using: str = "default") -> None:
    """Create the three role groups and set their permissions to exactly ``ROLE_PERMISSIONS`` (plus view of
    every model). ``apps``: the migration's app registry, or the real one."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = {
        (app, codename): pk
        for pk, app, codename in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role in ROLE_PERMISSIONS:
        group, _created = Group.objects.using(using).get_or_create(name=role)
        group.permissions.set([permissions[key] for key in role_codenames(role, existing=set(permissions))])


def roles_sync_after_migrate(sender, using="default", apps=None, **kwargs) -> None:
    """``post_migrate`` receiver: permissions of models added since are given to the roles too."""
    roles_sync(apps=None, using=using)
