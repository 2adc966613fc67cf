"""The KPI dashboard (Streamlit + Plotly) on the serving file: `make dashboard`.

- `app.py`: the Streamlit entry (page set-up, the one ServingReader, "data as of", menu).
- `navigation.py`: the pages; `views/`: one module per page; `sidebar.py`: the filters.
- `queries.py`: the SQL of each chart; `charts.py`: the Plotly figures; `filters.py`: the
  filters as query parameters.
- `launch.py`: the Streamlit command line (`python -m orchestration.dashboard`).
"""
