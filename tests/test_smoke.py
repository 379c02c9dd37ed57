def test_employee_files_and_agent_takes(make, client, login):
    it = make.department("IT")
    mkt = make.department("MKT")
    laptop = make.request_type(it, "Laptop")
    make.agent(it)
    employee = make.user(mkt)
    login(employee)
    response = client.post("/requests/new", data={
        "department": it.id, "type": laptop.id, "title": "Broken <b>screen</b>",
        "body": "It flickers", "priority": "normal", "submission_key": "k1"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/requests/IT-1")
    page = client.get("/requests/IT-1")
    assert "Broken &lt;b&gt;screen&lt;/b&gt;" in page.text
