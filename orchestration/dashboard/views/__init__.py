"""The dashboard's pages, one module each with `render(reader, filters)`; the list and order of
pages is `orchestration.dashboard.navigation`."""
