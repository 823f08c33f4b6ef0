def test_login_page_renders(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200


def test_org_admin_sees_home(client_a):
    response = client_a.get("/")
    assert response.status_code == 200
    assert "org-a" in response.content.decode()


def test_standard_user_gets_no_access_page(client, user_a):
    client.force_login(user_a)
    response = client.get("/")
    assert response.status_code == 403
    assert "no administrator access" in response.content.decode()
