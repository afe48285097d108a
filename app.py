"""DiploDash: streamlit run app.py"""
import streamlit as st

st.set_page_config(page_title="DiploDash", page_icon=":material/public:", layout="wide")
navigation = st.navigation([
    st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True),
    st.Page("pages/themes.py", title="Themes", icon=":material/show_chart:"),
    st.Page("pages/speakers.py", title="Speakers", icon=":material/record_voice_over:"),
    st.Page("pages/search.py", title="Search", icon=":material/search:"),
    st.Page("pages/articles.py", title="Articles", icon=":material/article:"),
    st.Page("pages/corpus.py", title="Corpus", icon=":material/folder_open:"),
])
navigation.run()
