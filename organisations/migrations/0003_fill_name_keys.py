from django.db import migrations


def fill_name_keys(apps, schema_editor):
    from organisations.names import name_acronym, name_key

    Organisation = apps.get_model("organisations", "Organisation")
    for organisation in Organisation.objects.all().only("pk", "name"):
        Organisation.objects.filter(pk=organisation.pk).update(
            name_key=name_key(organisation.name)[:250], name_acronym=name_acronym(organisation.name)[:60]
        )


class Migration(migrations.Migration):
    dependencies = [("organisations", "0002_verification_logo_invitations_join_requests")]

    operations = [migrations.RunPython(fill_name_keys, migrations.RunPython.noop)]
