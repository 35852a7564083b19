"""A small HTML form reader for the load test: what a browser would send for a form, before the user edits it."""

from __future__ import annotations

from html.parser import HTMLParser


class Form:
    """One ``<form>``: its attributes and fields in document order (name, value, type, checked)."""

    def __init__(self, attrs: dict):
        self.attrs = attrs
        self.fields: list[dict] = []  # {"name", "value", "type", "checked"}
        self.selects: dict[str, dict] = {}  # name -> {"multiple": bool, "options": [(value, selected)]}
        self.textareas: dict[str, str] = {}

    def options(self, name: str) -> list[str]:
        """Values a user could pick for ``name``: checkbox/radio values or select options (empty values left out)."""
        values = [f["value"] for f in self.fields if f["name"] == name and f["type"] in ("checkbox", "radio")]
        if name in self.selects:
            values += [v for v, _ in self.selects[name]["options"]]
        return [v for v in values if v]

    def data(self) -> list[tuple[str, str]]:
        """The fields a browser submits unchanged: text and hidden values, checked boxes, selected options."""
        out = []
        for f in self.fields:
            if f["type"] in ("submit", "button", "image", "reset", "file"):
                continue
            if f["type"] in ("checkbox", "radio") and not f["checked"]:
                continue
            out.append((f["name"], f["value"]))
        for name, select in self.selects.items():
            chosen = [v for v, selected in select["options"] if selected]
            if not chosen and not select["multiple"] and select["options"]:
                chosen = [select["options"][0][0]]
            out += [(name, v) for v in chosen]
        out += list(self.textareas.items())
        return out


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: str | None = None
        self.option: list | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form = Form(a)
            self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag in ("input", "button") and a.get("name"):
            default_type = "submit" if tag == "button" else "text"
            self.form.fields.append(
                {
                    "name": a["name"],
                    "value": a.get("value", "on" if a.get("type") in ("checkbox", "radio") else ""),
                    "type": a.get("type", default_type).lower(),
                    "checked": "checked" in a,
                }
            )
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
            self.form.selects[self.select] = {"multiple": "multiple" in a, "options": []}
        elif tag == "option" and self.select:
            self.option = [a.get("value"), "selected" in a, ""]
        elif tag == "textarea" and a.get("name"):
            self.textarea = a["name"]
            self.form.textareas[self.textarea] = ""

    def handle_data(self, data):
        if self.option is not None:
            self.option[2] += data
        elif self.textarea is not None and self.form is not None:
            self.form.textareas[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "option" and self.option is not None and self.select:
            value = self.option[0] if self.option[0] is not None else self.option[2].strip()
            self.form.selects[self.select]["options"].append((value, self.option[1]))
            self.option = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def forms(html: str) -> list[Form]:
    """Every form of ``html``."""
    reader = _Reader()
    reader.feed(html)
    return reader.forms


def form_with(html: str, field: str) -> Form | None:
    """The first form that has a field named ``field``."""
    for form in forms(html):
        names = {f["name"] for f in form.fields} | set(form.selects) | set(form.textareas)
        if field in names:
            return form
    return None
