"""Languages: each article's language, declared by its source (a feed's `language`, a table's
`language` column, a page's `<html lang>`) or detected with langid.py, and each paragraph's: the
article's, unless the paragraph is written in another script (a Chinese quotation in an English
article, a Russian transcript with an English summary), where it is detected on its own.
Codes are ISO 639-1 ("en", "zh", "ru"); "und" where a text holds no letters to tell by."""
from __future__ import annotations

import re

UNDETERMINED = "und"
NAMES = {"en": "English", "zh": "Chinese", "ru": "Russian", "fr": "French", "es": "Spanish", "de": "German",
         "ar": "Arabic", "ja": "Japanese", "ko": "Korean", "pt": "Portuguese", "uk": "Ukrainian", "it": "Italian",
         UNDETERMINED: "undetermined"}
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LETTER = re.compile(r"[^\W\d_]")
_SCRIPTS = {"zh": "han", "ja": "han", "ru": "cyrillic", "uk": "cyrillic", "bg": "cyrillic", "sr": "cyrillic",
            "be": "cyrillic", "kk": "cyrillic", "mk": "cyrillic", "mn": "cyrillic"}
# The languages told apart: the UN's six and the others diplomatic sources publish most in. langid's
# 97 include close neighbours that short texts confuse (a Russian sentence read as Bulgarian or
# Macedonian); a source in one of those declares its language instead.
CANDIDATES = ["en", "zh", "ru", "fr", "es", "ar", "de", "pt", "it", "ja", "ko", "uk", "tr", "fa", "hi", "id",
              "pl", "nl", "sv", "vi", "th", "he", "el", "cs", "ro", "hu", "fi", "da", "no", "ms"]
_identifier = None


def script(text: str) -> str | None:
    """The script most of a text's letters are in: han, cyrillic, latin (or other), None without letters."""
    letters = len(_LETTER.findall(text))
    if not letters:
        return None
    han = len(_HAN.findall(text)) + len(_KANA.findall(text))
    if han >= 0.3 * letters:
        return "han"
    return "cyrillic" if len(_CYRILLIC.findall(text)) >= 0.5 * letters else "latin"


def detect(text: str) -> str:
    """The language of `text` (its first 2,000 characters), by langid.py's model (97 languages)."""
    global _identifier
    sample = text[:2000]
    if script(sample) is None:
        return UNDETERMINED
    if _identifier is None:
        from langid.langid import LanguageIdentifier, model

        _identifier = LanguageIdentifier.from_modelstring(model, norm_probs=False)
        _identifier.set_languages(CANDIDATES)
    return _identifier.classify(sample)[0]


def declared(value) -> str | None:
    """A language a source declares ("zh-CN", "ru", "English") as a code, or None."""
    text = str(value or "").strip()
    if not text:
        return None
    by_name = {name.lower(): code for code, name in NAMES.items()}
    return by_name.get(text.lower()) or re.split(r"[-_]", text.lower())[0][:3] or None


def paragraph_languages(texts: list[str], article_language: str) -> list[str]:
    """Each paragraph's language: the article's where the paragraph is in its script, else detected."""
    expected = _SCRIPTS.get(article_language, "latin")
    result = []
    for text in texts:
        written = script(text)
        result.append(article_language if written in (None, expected) else detect(text))
    return result
