from sqlalchemy import select

from desk.auth import authenticate
from desk.extensions import db
from desk.models import User


def test_create_admin_makes_an_administrator_who_can_log_in(app, ctx):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "Boss@Example.test", "--name", "Olga Boss", "--password", "plum-kettle-harbour-42"])
    assert result.exit_code == 0, result.output
    assert "Administrator boss@example.test created" in result.output
    db.session.rollback()
    user = db.session.scalar(select(User).filter_by(email="boss@example.test"))
    assert user.is_admin and user.active and user.department_id is None
    assert authenticate("boss@example.test", "plum-kettle-harbour-42") == user


def test_create_admin_refuses_a_weak_password_or_a_taken_email(app, ctx, make):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["create-admin", "a@example.test", "--name", "A", "--password", "password123"])
    assert weak.exit_code != 0 and "too easy to guess" in weak.output
    taken = make.user(email="b@example.test")
    again = runner.invoke(args=["create-admin", taken.email, "--name", "B", "--password", "plum-kettle-harbour-42"])
    assert again.exit_code != 0 and "already has this e-mail" in again.output
    db.session.rollback()
    assert db.session.scalar(select(User).filter_by(email="a@example.test")) is None
