def test_root_says_hello(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {"Hello": "World"}


def test_item_with_query(client):
    assert client.get("/items/5", params={"q": "x"}).json() == {"item_id": 5, "q": "x"}


def test_item_without_query_has_null_q(client):
    assert client.get("/items/42").json() == {"item_id": 42, "q": None}


def test_non_integer_item_id_is_a_json_422_naming_the_field(client):
    response = client.get("/items/abc")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    (error,) = response.json()["detail"]
    assert error["loc"] == ["path", "item_id"]
    assert error["type"] == "int_parsing"


def test_unknown_path_is_a_json_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
