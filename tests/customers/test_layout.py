"""The page frame every portal page shares (templates/base.html)."""

from django.urls import reverse


def test_browser_tab_title_names_the_page_and_the_product(client_a):
    html = client_a.get(reverse("customers:user_list")).content.decode()
    assert "<title>Users · Connect</title>" in html


def test_sign_in_page_title(client):
    html = client.get(reverse("login")).content.decode()
    assert "<title>Sign in · Connect</title>" in html


def test_no_favicon_request(client):
    """No favicon exists; the page says so, so browsers do not fill the log with 404s."""
    assert '<link rel="icon" href="data:,">' in client.get(reverse("login")).content.decode()


def test_home_page_has_a_card_for_every_section(client_a):
    html = client_a.get(reverse("home")).content.decode()
    for url in (reverse("services:index"), reverse("customers:numberrange_list"), reverse("customers:user_list"), reverse("devices:phone_list")):
        assert f'href="{url}" class="stretched-link"' in html, url
