"""The marketing journey in Chromium, against a real SMTP server: a marketer builds a segment in
the segment builder (live count), sends an email campaign to it from the campaign's page; a
recipient opens the mail, clicks its link — which lands on the campaign's web form — and signs
up there, then unsubscribes with the mail's link; the web-form lead is attributed to the
campaign, and the campaign page shows its cost per lead and ROI.

Every wait is on a state (a row, a mail in the Maildir, a number on the page), never on time.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.e2e.api import Api
from tests.e2e.conftest import DEMO_PASSWORD, click_settled, screenshot, settled, sign_in
from tests.e2e.mail import link_mailed
from tests.e2e.people import open_page, user_id

expect.set_options(timeout=30_000)

REP = "zhang.wei@demo.keyi.dev"  # 华东销售部, whose manager is li.na
MANAGER = "li.na@demo.keyi.dev"


def wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    """Wait until the server's state meets `condition` (a save the page made)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the server never reached the expected state"
        time.sleep(0.2)


def test_segment_email_click_unsubscribe_web_form_and_roi(
    browser: Browser, pages: list[Page], mail_server: tuple[str, Path]
) -> None:
    server, maildir = mail_server
    api = Api(server)
    tag = uuid.uuid4().hex[:6]
    records = "/api/v1/records"

    # The data a marketer starts from: customers of one account (one never consented), a
    # campaign with its web form, a template whose link leads to that form.
    account = api.call("POST", f"{records}/account", {"name": f"星河智造 {tag}"})
    people = [("王芳", "granted"), ("李强", "granted"), ("陈晨", None)]
    for n, (name, consent) in enumerate(people):
        api.call(
            "POST",
            f"{records}/contact",
            {
                "name": f"{name} {tag}",
                "account": account["id"],
                "email": f"buyer{n}-{tag}@customer.example",
                "consent": consent,
            },
        )
    campaign = api.call(
        "POST",
        f"{records}/campaign",
        {
            "name": f"新品发布会 {tag}",
            "type": "event",
            "budget": "20000",
            "status": "in_progress",
            "owner_id": user_id(api, REP),  # the East China marketer who books its costs
        },
    )
    form = api.call(
        "POST", f"{records}/web_form", {"name": f"发布会报名 {tag}", "campaign": campaign["id"]}
    )
    landing = f"{server}/f/{form['public_key']}?utm_source=email&utm_campaign=launch-{tag}"
    template = api.call(
        "POST",
        f"{records}/email_template",
        {
            "name": f"发布会邀请 {tag}",
            "subject": "{{ recipient.name }}，诚邀您参加新品发布会",
            "body_html": (
                "<p>{{ recipient.name }} 您好：</p><p>诚邀您参加我们的新品发布会。</p>"
                f'<p><a href="{landing}">立即报名</a></p>'
                '<p><a href="{{ unsubscribe_url }}">退订</a></p>'
            ),
        },
    )
    segment = api.call(
        "POST",
        f"{records}/segment",
        {"name": f"星河智造联系人 {tag}", "object": "contact", "type": "dynamic"},
    )

    # 1. The marketer builds the segment: contacts whose name has the tag, counted live.
    marketer = open_page(browser, pages)
    sign_in(marketer, server)
    marketer.goto(f"{server}/o/segment/{segment['id']}")
    marketer.get_by_test_id("record-segment-tab").click()
    builder = marketer.get_by_test_id("segment-builder")
    builder.get_by_test_id("segment-add-condition").click()
    condition = builder.get_by_test_id("segment-condition").first
    condition.locator(".ky-filter-value input").fill(tag)
    expect(builder.get_by_test_id("segment-count")).to_contain_text("3")
    builder.get_by_test_id("segment-save").click()
    wait_for(lambda: api.record("segment", segment["id"])["filter"] is not None)
    settled(marketer)
    screenshot(marketer, "segment-builder-zh")

    # 2. … and sends the campaign's email to it from the email campaign's page.
    mailing = api.call(
        "POST",
        f"{records}/email_campaign",
        {
            "name": f"发布会邀请函 {tag}",
            "campaign": campaign["id"],
            "segment": segment["id"],
            "template": template["id"],
            "from_name": "客易市场部",
            "from_address": "marketing@demo.keyi.dev",
        },
    )
    marketer.goto(f"{server}/o/email_campaign/{mailing['id']}")
    marketer.get_by_test_id("record-email-tab").click()
    panel = marketer.get_by_test_id("email-campaign-panel")
    expect(panel.get_by_test_id("email-audience")).to_contain_text("3")
    panel.get_by_test_id("email-send-now").click()
    click_settled(marketer, marketer.locator(".ant-modal-confirm-btns .ant-btn-primary"))
    expect(panel.get_by_test_id("email-send-now")).to_have_count(0)

    # 3. The recipient clicks the mail's link: it lands on the campaign's form, where they sign
    # up; then they unsubscribe with the mail's own link.
    recipient = f"buyer0-{tag}@customer.example"
    click = link_mailed(maildir, recipient, "/api/v1/public/mail/c/")
    visitor = open_page(browser, pages)
    visitor.goto(click)
    expect(visitor).to_have_url(re.compile(rf"/f/{re.escape(form['public_key'])}"))
    webform = visitor.get_by_test_id("webform")
    webform.locator("#webform-name").fill(f"王芳 {tag}")
    webform.locator("#webform-company").fill(f"星河智造 {tag}")
    webform.locator("#webform-mobile").fill("13912345678")
    webform.locator("#webform-email").fill(f"wangfang-{tag}@customer.example")
    if webform.get_by_test_id("webform-consent").count():
        webform.get_by_test_id("webform-consent").click()
    # The form drops what comes back sooner than a person can fill it in (3 s after it was
    # served, the spam defence), answering as if it were kept: wait as a person would.
    visitor.wait_for_timeout(3000)
    webform.get_by_test_id("webform-submit").click()
    expect(visitor.get_by_test_id("webform-thanks")).to_be_visible()
    unsubscribe = link_mailed(maildir, recipient, "/api/v1/public/mail/u/")
    visitor.goto(unsubscribe)
    visitor.get_by_role("button").click()
    expect(visitor.locator("main")).not_to_contain_text("button")
    [opted] = api.query("contact", filter={"field": "email", "op": "eq", "value": recipient})
    assert opted["email_opt_out"] is True
    sent = api.record("email_campaign", mailing["id"])
    assert (sent["sent"], sent["skipped_no_consent"]) == (2, 1)
    assert sent["clicked"] == 1 and sent["unsubscribed"] == 1

    # 4. The form's lead is the campaign's: attributed, with the mail's UTM parameters.
    [lead] = api.query(
        "lead", filter={"field": "email", "op": "eq", "value": f"wangfang-{tag}@customer.example"}
    )
    assert (lead["utm_source"], lead["utm_campaign"]) == ("email", f"launch-{tag}")
    [member] = api.query(
        "campaign_member", filter={"field": "lead", "op": "eq", "value": lead["id"]}
    )
    assert member["campaign"] == campaign["id"] and member["status"] == "responded"

    # 5. With an approved expense and a won deal, the campaign page shows cost per lead and ROI.
    # A marketer of the East China team books the venue; their manager approves it.
    rep, manager = Api(server, REP, DEMO_PASSWORD), Api(server, MANAGER, DEMO_PASSWORD)
    expense = rep.call(
        "POST",
        f"{records}/marketing_expense",
        {"name": f"发布会场地 {tag}", "campaign": campaign["id"], "amount": "3000"},
    )
    submitted = rep.call("POST", f"{records}/marketing_expense/{expense['id']}/submit")
    manager.call("POST", f"/api/v1/approvals/{submitted['approval_id']}/approve", {})
    of_account = {"field": "account", "op": "eq", "value": account["id"]}
    contact_ids = [c["id"] for c in api.query("contact", filter=of_account)]
    api.call(
        "POST",
        f"{records}/campaign_member",
        {"campaign": campaign["id"], "contact": contact_ids[0], "status": "responded"},
    )
    api.call(
        "POST",
        f"{records}/opportunity",
        {
            "name": f"智能产线 {tag}",
            "account": account["id"],
            "amount": "120000",
            "stage": "won",
            "close_date": time.strftime("%Y-%m-%d"),
        },
    )
    result = api.record("campaign", campaign["id"])
    assert result["actual_cost"] in ("3000", "3000.00", 3000)
    marketer.goto(f"{server}/o/campaign/{campaign['id']}")
    summary = marketer.get_by_test_id("campaign-summary")
    expect(summary.get_by_test_id("campaign-summary-cost_per_lead")).to_contain_text("3,000")
    expect(summary.get_by_test_id("campaign-summary-roi")).to_contain_text("3,900")
    expect(summary.get_by_test_id("campaign-funnel")).to_be_visible()
    settled(marketer)
    screenshot(marketer, "campaign-roi-zh")
