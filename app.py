"""DiploDash: streamlit run app.py"""
import streamlit as st

st.set_page_config(page_title="DiploDash", page_icon="🌐", layout="wide")
navigation = st.navigation([
    st.Page("pages/overview.py", title="Overview", icon="🏠", default=True),
    st.Page("pages/themes.py", title="Themes", icon="📈"),
    st.Page("pages/speakers.py", title="Speakers", icon="🗣️"),
    st.Page("pages/search.py", title="Search", icon="🔎"),
    st.Page("pages/articles.py", title="Articles", icon="📰"),
    st.Page("pages/corpus.py", title="Corpus", icon="🗂️"),
])
navigation.run()
