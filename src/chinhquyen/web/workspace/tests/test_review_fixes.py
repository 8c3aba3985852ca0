"""What officials saw in the browser: menu links that led to 403, the new date offered twice,
"Chưa phân công" for a finished step, fractions of days, "bước 3" on the desk's lines, a cut-off
select, and a code box that did not say what it had read."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from chinhquyen.dossiers import inboxes, services
from chinhquyen.dossiers.tests.conftest import (
    PDF,
    applicant,
    calendar_seeded,
    desk,
    frozen,
    people,
    procedure,
    processing_dossier,
    run_steps,
    vn,
    world,
)

FIXTURES = (applicant, calendar_seeded, desk, frozen, people, procedure, world)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_url(d) -> str:
    return reverse("workspace:dossier", kwargs={"code": d.code})


def main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def side_menu(html: str) -> str:
    start = html.index('<nav class="ws-sidebar')
    return html[start : html.index("</nav>", start)]


def menu_links(html: str) -> list[str]:
    return [h for h in re.findall(r'href="([^"]+)"', side_menu(html)) if h.startswith("/can-bo/")]


@pytest.mark.parametrize(
    "who", ["intake", "specialist", "head", "leader", "ward_clerk", "root_leader"]
)
def test_every_side_menu_link_opens_for_the_official_who_sees_it(world, who):
    client = client_for(world[who])
    links = menu_links(client.get(reverse("workspace:home")).content.decode())
    assert reverse("workspace:home") in links
    for url in links:
        assert client.get(url).status_code == 200, (who, url)


def test_desk_links_show_only_to_the_desk(world):
    desk_pages = [reverse("workspace:desk_new"), reverse("workspace:desk_returns")]
    specialist = client_for(world["specialist"])
    menu = side_menu(specialist.get(reverse("workspace:home")).content.decode())
    for url in desk_pages:
        assert url not in menu
        assert specialist.get(url).status_code == 403  # the page agrees
    assert reverse("workspace:tracking_book") in menu  # the book is for every official in scope
    intake = side_menu(client_for(world["intake"]).get(reverse("workspace:home")).content.decode())
    assert all(url in intake for url in desk_pages)


def test_the_new_date_form_is_gone_once_a_new_date_was_set(world):
    w = world
    d = processing_dossier(w)
    d = services.assign(
        actor=w["head"], dossier=d, expected_version=d.version, assignee=w["specialist"]
    )
    client = client_for(w["specialist"])
    assert 'id="thao-tac-propose-new-date"' in client.get(page_url(d)).content.decode()
    services.propose_new_date(
        actor=w["specialist"], dossier=d, expected_version=d.version,
        new_due_at=vn(2026, 3, 13, 17, 0), reason="Cần xác minh thông tin.",
    )  # fmt: skip
    html = client.get(page_url(d)).content.decode()
    assert 'id="thao-tac-propose-new-date"' not in html
    assert 'id="thao-tac-complete-step"' in html
    # Posted anyway (an old page): refused, and the reason is in the alert, not lost.
    d.refresh_from_db()
    action = reverse(
        "workspace:dossier_action", kwargs={"code": d.code, "action": "propose_new_date"}
    )
    response = client.post(
        action, {"expected_version": d.version, "new_due_at": "2026-03-20T09:00", "reason": "x"}
    )
    assert response.status_code == 422
    alert = response.content.decode()
    alert = alert[alert.index('id="loi-thao-tac"') :][:600]
    assert "chỉ được hẹn lại một lần" in alert


def test_the_steps_table_names_who_finished_an_unassigned_step(world):
    w = world
    d = processing_dossier(w)
    d = services.complete_step(
        actor=w["specialist2"], dossier=d, expected_version=d.version, opinion="Đủ điều kiện."
    )
    html = client_for(w["head"]).get(page_url(d)).content.decode()
    start = html.index('id="cac-buoc"')
    rows = html[start : html.index("</table>", start)].split("<tr>")[2:]
    assert w["specialist2"].full_name in rows[0] and "Chưa phân công" not in rows[0]
    assert "Chưa phân công" in rows[1]  # step 2 is open and nobody has it yet


def test_days_left_are_whole_working_days(world):
    w = world
    d = processing_dossier(w)  # received Monday 02/03 09:00, due Monday 09/03 09:00
    client = client_for(w["specialist"])
    w["clock"].set_time(vn(2026, 3, 2, 13, 30))  # part of a working day has gone
    state = inboxes.due_state(d)
    assert 4 < state.working_days_left < 5
    assert state.text == "Còn 5 ngày làm việc"  # the started day still counts
    html = client.get(reverse("workspace:inbox", kwargs={"box": "viec-cua-toi"})).content.decode()
    assert "Còn 5 ngày làm việc" in html
    assert not re.search(r"\d,\d+ ngày làm việc", html)
    w["clock"].set_time(d.due_at + timedelta(hours=2))
    late = inboxes.due_state(d)
    assert 0 < -late.working_days_left < 1 and late.text == "Quá hạn 1 ngày làm việc"
    # The leaders' watch page says the same, in whole days.
    w["clock"].set_time(d.due_at - timedelta(hours=2))
    watch = client_for(w["leader"]).get(reverse("workspace:watch")).content.decode()
    assert d.code in watch and "Còn 1 ngày làm việc" in watch
    assert not re.search(r"\d,\d+ ngày làm việc", watch)


def test_the_control_sheet_says_bước_only_for_the_steps(world):
    w = world
    d = run_steps(w, processing_dossier(w), until=3)  # all three steps done: waiting to approve
    d = services.approve(actor=w["leader"], dossier=d, expected_version=d.version)
    d = _issue(w, d)
    d = services.return_result(
        actor=w["intake"], dossier=d, expected_version=d.version, via="desk",
        collected_by="Lê Thị Cúc",
    )  # fmt: skip
    html = client_for(w["intake"]).get(page_url(d)).content.decode()
    start = html.index('id="phieu-kiem-soat"')
    items = html[start : html.index("</ol>", start)].split("<li>")[1:]
    lines = [(re.search(r"<strong>([^<]+)</strong>", i).group(1), i) for i in items]
    steps = [i for label, i in lines if label == "Hoàn thành bước xử lý"]
    assert ["bước 1" in steps[0], "bước 2" in steps[1], "bước 3" in steps[2]] == [True] * 3
    after = {label: i for label, i in lines}
    for label in ("Phê duyệt kết quả", "Phát hành kết quả", "Trả kết quả"):
        assert "bước" not in after[label], label


def _issue(w, d):
    upload = SimpleUploadedFile("ket-qua.pdf", PDF, content_type="application/pdf")
    action = reverse("workspace:dossier_action", kwargs={"code": d.code, "action": "issue_result"})
    response = client_for(w["intake"]).post(
        action, {"expected_version": d.version, "name": "Phiếu số 1", "file": upload}
    )
    assert response.status_code == 302
    d.refresh_from_db()
    return d


def test_the_next_official_select_has_a_short_empty_choice_and_a_hint(world):
    w = world
    d = processing_dossier(w)
    html = client_for(w["specialist"]).get(page_url(d)).content.decode()
    form = html[html.index('id="thao-tac-complete-step"') :]
    form = form[: form.index("</details>")]
    assert "— Không chọn —" in form and "Để lãnh đạo phân công" not in form
    assert "lãnh đạo sẽ phân công" in form
    assert 'aria-describedby="thao-tac-complete-step-nguoi-goi-y"' in form


def test_the_code_box_shows_what_it_read_without_telling_where_it_exists(world):
    w = world
    d = processing_dossier(w)
    url = reverse("workspace:open_code")
    other = client_for(w["building_specialist"])
    invisible = other.get(url, {"ma": d.code}).content.decode()
    unknown_code = d.code[:-4] + "9999"
    unknown = other.get(url, {"ma": unknown_code}).content.decode()
    assert d.code in invisible and unknown_code in unknown
    # The two pages say the same, but for the code shown back.
    assert main(invisible).replace(d.code, "X") == main(unknown).replace(unknown_code, "X")
    junk = other.get(url, {"ma": "<b>" + "9" * 200})
    text = junk.content.decode()
    assert junk.status_code == 404
    # Escaped, and cut to the 60 characters a code can have.
    assert "<B>" not in text and "&lt;B&gt;" + "9" * 57 + "…" in text
    assert "9" * 58 not in text
