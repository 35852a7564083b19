"""Normalised forms of organisation names, for finding likely duplicates.

"Ministry of I.C.T.", "ministry of ICT" and "Ministère of ICT" share the key "ministry of ict" (accents,
case, punctuation and spelled-out initials folded); "International Telecommunication Union (ITU)" also
answers to its acronym "itu". The rules are ours, tuned on the demo data's organisation names.
"""

import re
import unicodedata

# Words left out of acronyms ("Ministry of Information and Communications Technology" -> "mict").
# English, French, Spanish and Portuguese articles and conjunctions: the UN working languages in Latin script.
ACRONYM_STOPWORDS = frozenset(
    "of the and for on in at to a an & de des du la le les l d et pour en y del los las el e da do dos das".split()
)


def _fold(text: str) -> str:
    """Case-fold, strip accents and compatibility forms (NFKD), keep letters, digits and spaces."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("&", " and ")
    # Dots and apostrophes join what they separate ("I.C.T." -> "ICT", "People's" -> "Peoples").
    text = re.sub(r"[.'’`´]", "", text)
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return " ".join(text.split())


def _join_initials(words: list[str]) -> list[str]:
    """Join runs of single letters ("i c t" -> "ict"), as people write spaced initials."""
    out: list[str] = []
    run = ""
    for word in words:
        if len(word) == 1 and word.isalpha():
            run += word
            continue
        if run:
            out.append(run)
            run = ""
        out.append(word)
    if run:
        out.append(run)
    return out


def name_key(name: str) -> str:
    """The comparison key of an organisation name: folded, punctuation-free, initials joined.

    Args:
        name: the name as typed, any script.
    Returns: e.g. "ministry of ict" for "Ministry of I.C.T."; "" when the name has no letters or digits.
    """
    text = re.sub(r"\([^)]*\)", " ", name or "")  # "(ITU)" is an alias, not part of the key
    return " ".join(_join_initials(_fold(text).split()))


def name_acronym(name: str) -> str:
    """The acronym of a name: an explicit one in brackets ("... Union (ITU)" -> "itu") or, for names of three
    or more significant words, their initials ("Ministry of Information and Communications Technology" ->
    "mict"). A one-word name is its own acronym when it is short and written in capitals ("ITU" -> "itu").
    Empty when there is none."""
    bracketed = re.findall(r"\(([^)]*)\)", name or "")
    for candidate in bracketed:
        folded = _fold(candidate).replace(" ", "")
        if 2 <= len(folded) <= 12:
            return folded
    words = [w for w in _fold(re.sub(r"\([^)]*\)", " ", name or "")).split() if w not in ACRONYM_STOPWORDS]
    words = _join_initials(words)
    if len(words) >= 3:
        return "".join(w[0] for w in words if w[0].isalnum())
    stripped = re.sub(r"[\s.]", "", name or "")
    if len(words) == 1 and 2 <= len(stripped) <= 12 and stripped.isupper():
        return words[0]
    return ""


def name_aliases(name: str) -> set[str]:
    """Every short form a name answers to: its key without spaces and its acronym."""
    aliases = {name_key(name).replace(" ", "")}
    acronym = name_acronym(name)
    if acronym:
        aliases.add(acronym)
    aliases.discard("")
    return aliases
