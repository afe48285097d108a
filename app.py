"""DiploDash: streamlit run app.py"""
import streamlit as st

st.set_page_config(page_title="DiploDash", page_icon="🌐", layout="wide")
navigation = st.navigation([
    st.Page("pages/overview.py", title="Overview", icon="🏠", default=True),
    st.Page("pages/search.py", title="Search", icon="🔎"),
])
navigation.run()
