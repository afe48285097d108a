"""DiploDash: streamlit run app.py"""
import streamlit as st

from diplodash.ui import navigation

st.set_page_config(page_title="DiploDash", page_icon=":material/public:", layout="wide")
navigation().run()
