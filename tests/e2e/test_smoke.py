import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("username", ["county", "office1", "clerk1", "secretary1", "workteam1", "liaison1",
                                      "supervision1", "discipline1", "member1"])
def test_every_demo_role_signs_in_and_lands_home(ui, username):
    ui.login(username)
    ui.page.screenshot(path=f"/tmp/e2e-{username}-{'phone' if ui.phone else 'desktop'}.png", full_page=False)
