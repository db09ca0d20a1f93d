"""The example endpoints (routes/items.py): delete this file with them."""


def test_root_says_hello(client):
    assert client.get("/").json() == {"Hello": "World"}


def test_item_with_and_without_query(client):
    assert client.get("/items/5", params={"q": "x"}).json() == {"item_id": 5, "q": "x"}
    assert client.get("/items/42").json() == {"item_id": 42, "q": None}


def test_non_integer_item_id_is_a_json_422_naming_the_field(client):
    response = client.get("/items/abc")
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert (error["loc"], error["type"]) == (["path", "item_id"], "int_parsing")
