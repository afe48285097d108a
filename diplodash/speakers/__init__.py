"""Speakers: who said it, for every paragraph.

A small package of components, one per step: `lexicon` (what counts as a cue, a title, a group),
`parser` (spaCy: the subject of each cue, named entities), `tables` (offices by date, known people),
`names` (one article's people), `mentions` (what a paragraph names), `article` (resolution in
reading order), `turns` (transcript labels, signed statements), `attribution` (the table-wide run).
"""
from .article import ArticleSpeakers, Attribution
from .attribution import COLUMNS, attribute, attribute_article, merge_variants, parse_paragraphs
from .tables import DEFAULT_TABLES, Role, Tables, name_key

__all__ = ["ArticleSpeakers", "Attribution", "COLUMNS", "DEFAULT_TABLES", "Role", "Tables", "attribute",
           "attribute_article", "merge_variants", "name_key", "parse_paragraphs"]
