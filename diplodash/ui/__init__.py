"""The one part of DiploDash that speaks Streamlit (the library below it never does): the view in
the URL (view), loading and filtering the served index (loading), rendering untrusted text
(render), and the editor that teaches a theme (teaching). Pages import from here."""
from ..markdown import plain  # noqa: F401  (pages take plain from here)
from .loading import (build_progress, current_index, filter_rows, filtered_paragraphs, index_location,  # noqa: F401
                      operator_settings, page_setup, paint_before_charts, query, share_filters)
from .render import csv_download, paragraph_list  # noqa: F401
from .view import (PAGES, begin_view, chart_point, keep_url_value, navigation, page_links, url_value,  # noqa: F401
                   url_widget, view_params)
