def test_every_page_links_to_the_subscribe_page(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/organisations/", "/login"):
        assert 'href="/subscribe"' in client.get(path).get_data(as_text=True)
    page = client.get("/subscribe").get_data(as_text=True)
    assert 'href="/subscribe" aria-current="page"' in page
