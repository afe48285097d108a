"""Run the dashboard through streamlit's AppTest, as a user opens it: a link to app.py or a page."""
import json

from streamlit.testing.v1 import AppTest

from .conftest import ROOT


def app(index_dir, monkeypatch, page=None, **params) -> AppTest:
    """Open the app with `params` in its URL, on `page` (AppTest runs the default page first: the
    link's parameters are given again with the page, as a browser's address holds them)."""
    monkeypatch.setenv("DIPLODASH_INDEX", str(index_dir))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page:
        for key, value in params.items():
            at.query_params[key] = value
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def figure(at, key: str) -> dict:
    """The plotly figure a chart sends to the browser."""
    chart = next(c for c in at.get("plotly_chart") if key in c.proto.id)
    return json.loads(chart.proto.spec)


def numbers(array) -> list[float]:
    """A number array of a plotly figure's JSON (plotly 7 sends them as typed base64 buffers)."""
    import base64

    import numpy as np

    if isinstance(array, dict) and "bdata" in array:
        flat = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
        shape = [int(n) for n in str(array.get("shape", len(flat))).split(",")]
        return flat.reshape(shape).tolist()
    return list(array)


def url(at) -> dict[str, list[str]]:
    """The app's query parameters, each as a list of values."""
    return {key: list(value) if isinstance(value, (list, tuple)) else [value] for key, value in at.query_params.items()}
