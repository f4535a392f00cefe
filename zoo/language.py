"""Whether a text looks like English, by its function words: for cautions, in any task that reads
English (a model trained on English answers anything with confidence). Small and fast; not a
language identifier: it tells English from Spanish, French, German, Italian and Portuguese, and
text with no English function word at all."""
from __future__ import annotations

import re

__all__ = ["ENGLISH_FUNCTION_WORDS", "NOT_ENGLISH", "OTHER_FUNCTION_WORDS", "looks_english"]

ENGLISH_FUNCTION_WORDS = frozenset(
    "the a an and or but of to in on at for with from by as is are was were be been being it its this that "
    "these those there here not no nor so if than then too very just only all any some what which who how "
    "i you he she we they me him her us them my your his our their do does did has have had can could "
    "will would should may might must about into over out up down more most".split())
# The commonest function words of Spanish, French, German, Italian and Portuguese, less any that
# are also English words (die, war, man, son, sin, plus, once...): more of these than English ones
# in a text says it is not English, where a single shared word ("me", "a") would hide it.
OTHER_FUNCTION_WORDS = frozenset(
    "el la los las del y que en un una es por se su lo como más pero sus le este sí porque esta entre "
    "cuando muy sobre también hasta donde quien desde todo nos durante todos uno les ni contra otros ese "
    "eso ellos esto antes algunos qué unos otro otras otra él tanto esa estos mucho muchos poco ella estar "
    "estas algo nosotros fue ser tiene está mi "
    "des du et est une qui dans sur avec ce il elle ne ses mais ou où nous vous ils elles très été être "
    "avoir comme cette mon leur sont était "
    "der das und ist nicht ein eine zu von mit sich des auf für auch als nach wie aus bei sind noch nur "
    "oder aber vor zur bis mehr durch sehr ich du sie wir ihr kein "
    "di che sono della alla gli questo anche più molto mio "
    "os uma não para mais foi são muito isso ele ela você eu meu".split()) - ENGLISH_FUNCTION_WORDS
NOT_ENGLISH = "none of the commonest English words is in it, or fewer of them than of another language's"
_WORDS = re.compile(r"[^\W\d_]+")


def looks_english(text: str, min_words: int = 4, terse: int = 8) -> bool | None:
    """False when the text has at least ``min_words`` different words and none of the commonest
    English words, or fewer of them than of another language's (``"Esta película es muy buena y
    me gustó"``: "me" is English too); True otherwise; None when it has too few words to tell,
    or fewer than ``terse`` words and no common word of any language: English menus, buttons and
    errors are often that terse ("Save changes before closing?")."""
    words = [w.lower() for w in _WORDS.findall(text)]
    if len(set(words)) < min_words:
        return None
    english = sum(w in ENGLISH_FUNCTION_WORDS for w in words)
    other = sum(w in OTHER_FUNCTION_WORDS for w in words)
    if english == other == 0 and len(set(words)) < terse:
        return None
    return not (english == 0 or other > english)
