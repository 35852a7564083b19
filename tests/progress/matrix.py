"""Progress objects for the permission matrix (tests/test_permission_matrix.py), built on its ``World``: a draft
report with an evidence file on the lead's published pledge, and a published report with a best practice that
is proposed (not featured) and has an image. Built once per World."""

from progress import services
from progress.evidence import clean_evidence_file
from progress.images import clean_best_practice_image

from .helpers import MINIMAL_PDF, content, image_bytes, upload


def _cached(world, name, build):
    if name not in world.__dict__:
        world.__dict__[name] = build()
    return world.__dict__[name]


def draft_report(world):
    """A draft report (by the reporter) on ``world.published`` with one public evidence file."""

    def build():
        file_content, detected, shown = clean_evidence_file(upload("minutes.pdf", MINIMAL_PDF))
        return services.progress_report_save(
            pledge=world.published,
            by=world.users["reporter"],
            content=content(),
            evidence=[services.EvidenceUpload(content=file_content, detected=detected, name=shown)],
        )

    return _cached(world, "progress_draft", build)


def evidence(world):
    return draft_report(world).evidence.get()


def published_report(world):
    """A published report on a second published pledge of the lead."""

    def build():
        from tests.factories import published_pledge

        pledge = published_pledge(world.lead, title="Reported pledge")
        report = services.progress_report_save(pledge=pledge, by=world.users["reporter"], content=content())
        services.progress_report_submit(report=report, by=world.users["reporter"])
        return services.progress_report_publish(report=report, by=world.users["staff"])

    return _cached(world, "progress_published", build)


def best_practice(world):
    """A proposed (not yet featured) best practice with an image."""

    def build():
        return services.best_practice_propose(
            report=published_report(world),
            by=world.users["reporter"],
            title="School networks",
            story="s",
            results="r",
            lessons="l",
            image=clean_best_practice_image(upload("photo.png", image_bytes())),
            image_alt="A school",
        )

    return _cached(world, "progress_best_practice", build)
