"""The provider stand-ins: the real SendGrid and Twilio SDKs talk to them over loopback HTTP, the providers'
own contracts bite, and webhook signatures made here pass the SDKs' own validators."""

from __future__ import annotations

import base64
import json
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from python_http_client.exceptions import BadRequestsError, ServiceUnavailableError, UnauthorizedError
from sendgrid.helpers.eventwebhook import EventWebhook
from sendgrid.helpers.mail import Attachment, CustomArg, Disposition, FileContent, FileName, FileType, Mail
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.standins import contracts
from tests.standins.sendgrid import SendGridStandin
from tests.standins.sendgrid_events import SIGNATURE_HEADER, TIMESTAMP_HEADER, EventWebhookSigner, event
from tests.standins.twilio import StandinHttpClient, TwilioStandin, standin_url, status_callback_signature

TO, FROM = "+15005550006", "+15005550001"


def notice_mail(**overrides: Any) -> Mail:
    mail = Mail(
        from_email=overrides.get("from_email", "notices@city.example.org"),
        to_emails=overrides.get("to_emails", "owner@example.com"),
        subject="Notice of violation: CE-2024-0001",
        plain_text_content="Please mow the grass at 142 Maple Dr within 10 days.",
        html_content="<p>Please mow the grass at 142 Maple Dr within 10 days.</p>",
    )
    mail.attachment = Attachment(
        FileContent(base64.b64encode(b"%PDF-1.7 notice").decode()),
        FileName("notice.pdf"),
        FileType("application/pdf"),
        Disposition("attachment"),
    )
    return mail


def minimal_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "personalizations": [{"to": [{"email": "owner@example.com"}]}],
        "from": {"email": "notices@city.example.org"},
        "subject": "Notice",
        "content": [{"type": "text/plain", "value": "Please mow."}],
    }
    payload.update(overrides)
    return {key: value for key, value in payload.items() if value is not None}


# --- contracts -------------------------------------------------------------------------------------------------


def test_contracts_come_from_the_shared_directory_beside_the_repository() -> None:
    repository = Path(__file__).resolve().parents[1]
    assert repository.parent / "shared" / "contracts" == contracts.CONTRACTS_DIR
    assert contracts.mail_send().operation["operationId"] == "SendMail"
    assert contracts.messages_create().operation["operationId"] == "CreateMessage"
    with pytest.raises(KeyError):
        contracts.load_operation(contracts.TWILIO_API, contracts.MESSAGES_PATH, "delete")


def test_form_fields_take_the_types_the_twilio_schema_declares() -> None:
    params, violations = contracts.messages_create().form_instance(
        [
            ("To", TO),
            ("MaxPrice", "0.75"),
            ("ProvideFeedback", "true"),
            ("ValidityPeriod", "600"),
            ("MediaUrl", "https://city.example.org/a.png"),
            ("MediaUrl", "https://city.example.org/b.png"),
            ("Attempt", "twice"),
        ]
    )
    assert violations == []
    assert params == {
        "To": TO,
        "MaxPrice": 0.75,
        "ProvideFeedback": True,
        "ValidityPeriod": 600,
        "MediaUrl": ["https://city.example.org/a.png", "https://city.example.org/b.png"],
        "Attempt": "twice",  # not an integer: left as is for validation to reject
    }
    found = contracts.messages_create().validate(params, contracts.FORM)
    assert [(v.field, v.message) for v in found] == [("Attempt", "'twice' is not of type 'integer'")]


def test_the_sendgrid_custom_args_erratum_accepts_what_the_sdk_sends_and_only_string_values() -> None:
    mail = notice_mail()
    mail.custom_arg = CustomArg("case_number", "CE-2024-0001")
    assert mail.get()["custom_args"] == {"case_number": "CE-2024-0001"}
    assert contracts.mail_send_violations(mail.get()) == []
    found = contracts.mail_send_violations(minimal_payload(custom_args={"case_id": 17}))
    assert [v.field for v in found] == ["custom_args.case_id"]


# --- SendGrid --------------------------------------------------------------------------------------------------


def test_the_sendgrid_sdk_sends_a_notice_with_an_attachment(sendgrid_standin: SendGridStandin) -> None:
    assert sendgrid_standin.base_url.startswith("http://127.0.0.1:")
    from sendgrid import SendGridAPIClient

    client = SendGridAPIClient(api_key=sendgrid_standin.api_key, host=sendgrid_standin.base_url)
    response = client.send(notice_mail())

    assert response.status_code == 202
    assert response.body in (b"", "")
    message_id = response.headers["X-Message-Id"]
    assert len(message_id) == 22
    [sent] = sendgrid_standin.sent
    assert sent["personalizations"] == [{"to": [{"email": "owner@example.com"}]}]
    [attachment] = sent["attachments"]
    assert attachment["filename"] == "notice.pdf"
    assert base64.b64decode(attachment["content"]) == b"%PDF-1.7 notice"
    [request] = sendgrid_standin.requests
    assert request.violations == [] and request.authorized and request.resource_id == message_id


def test_sendgrid_refuses_a_mail_without_from_and_names_the_field(sendgrid_standin: SendGridStandin) -> None:
    client = sendgrid_standin.client()
    with pytest.raises(BadRequestsError) as raised:
        client.client.mail.send.post(request_body=minimal_payload(**{"from": None}))

    assert raised.value.status_code == 400
    errors = raised.value.to_dict["errors"]
    assert [error["field"] for error in errors] == ["from"]
    assert "from object must be provided" in errors[0]["message"]
    assert sendgrid_standin.sent == []
    assert sendgrid_standin.requests[0].violations[0].field == "from"


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        (minimal_payload(personalizations=[]), ["personalizations"]),
        (minimal_payload(content=None), ["content"]),
        (minimal_payload(subject=None), ["subject"]),
        (minimal_payload(subject=None, content=None, template_id="d-0123"), []),
        (minimal_payload(personalizations=[{"to": [{"email": "not-an-address"}]}]), ["personalizations.0.to.0.email"]),
        (
            minimal_payload(
                personalizations=[{"to": [{"email": "a@example.com"}], "cc": [{"email": "A@example.com"}]}]
            ),
            ["personalizations.0"],
        ),
        (minimal_payload(content=[{"type": "text/plain", "value": ""}]), ["content.0.value"]),
        (
            minimal_payload(attachments=[{"content": "eA==", "filename": "a.txt", "disposition": "later"}]),
            ["attachments.0.disposition"],
        ),
        (minimal_payload(personalizations=[{"cc": [{"email": "a@example.com"}]}]), ["personalizations.0.to"]),
    ],
)
def test_the_sendgrid_contract_bites(
    sendgrid_standin: SendGridStandin, payload: dict[str, Any], fields: list[str]
) -> None:
    client = sendgrid_standin.client()
    if not fields:
        assert client.client.mail.send.post(request_body=payload).status_code == 202
        return
    with pytest.raises(BadRequestsError) as raised:
        client.client.mail.send.post(request_body=payload)
    assert [error["field"] for error in raised.value.to_dict["errors"]] == fields


def test_sendgrid_refuses_a_wrong_key(sendgrid_standin: SendGridStandin) -> None:
    with pytest.raises(UnauthorizedError) as raised:
        sendgrid_standin.client(api_key="SG.wrong").send(notice_mail())
    assert raised.value.status_code == 401
    assert raised.value.to_dict == {
        "errors": [
            {"message": "The provided authorization grant is invalid, expired, or revoked", "field": None, "help": None}
        ]
    }
    assert sendgrid_standin.sent == [] and not sendgrid_standin.requests[0].authorized


def test_sendgrid_outage_then_success_on_retry(sendgrid_standin: SendGridStandin) -> None:
    client = sendgrid_standin.client()
    sendgrid_standin.fail_next(503)
    with pytest.raises(ServiceUnavailableError) as raised:
        client.send(notice_mail())
    assert raised.value.status_code == 503 and "errors" in raised.value.to_dict
    assert sendgrid_standin.sent == []

    assert client.send(notice_mail()).status_code == 202
    assert [r.injected for r in sendgrid_standin.requests] == [True, False]
    assert len(sendgrid_standin.sent) == 1


def test_sendgrid_fails_as_often_as_told(sendgrid_standin: SendGridStandin) -> None:
    client = sendgrid_standin.client()
    sendgrid_standin.fail_next(400, times=2)
    for _ in range(2):
        with pytest.raises(BadRequestsError):
            client.send(notice_mail())
    assert client.send(notice_mail()).status_code == 202


def test_a_hanging_sendgrid_times_the_client_out_and_sends_nothing(sendgrid_standin: SendGridStandin) -> None:
    client = sendgrid_standin.client()
    client.client.timeout = 0.5
    sendgrid_standin.hang_next(seconds=2)
    with pytest.raises(TimeoutError):
        client.send(notice_mail())
    assert client.send(notice_mail()).status_code == 202
    assert len(sendgrid_standin.sent) == 1


def test_a_slow_sendgrid_takes_the_message_though_the_client_gave_up(sendgrid_standin: SendGridStandin) -> None:
    client = sendgrid_standin.client()
    client.client.timeout = 0.5
    sendgrid_standin.slow_next(1.5)
    with pytest.raises(TimeoutError):
        client.send(notice_mail())
    deadline = time.monotonic() + 5
    while not sendgrid_standin.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sendgrid_standin.sent) == 1  # the client cannot know: this is why a retry may send twice


def test_a_bounce_is_reported_as_a_signed_event_batch(sendgrid_standin: SendGridStandin) -> None:
    client = sendgrid_standin.client()
    sendgrid_standin.bounce_next("550 no such user")
    bounced = client.send(notice_mail(to_emails="gone@example.com")).headers["X-Message-Id"]
    delivered = client.send(notice_mail()).headers["X-Message-Id"]
    body, headers = sendgrid_standin.signed_events()
    verifier = EventWebhook(public_key=sendgrid_standin.event_signer.public_key)
    assert verifier.verify_signature(body.decode(), headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER])
    events = [(e["event"], e["email"], e["sg_message_id"].split(".")[0], e.get("reason")) for e in json.loads(body)]
    assert events == [
        ("processed", "gone@example.com", bounced, None),
        ("bounce", "gone@example.com", bounced, "550 no such user"),
        ("processed", "owner@example.com", delivered, None),
        ("delivered", "owner@example.com", delivered, None),
    ]
    assert json.loads(sendgrid_standin.signed_events()[0]) == []  # each event is reported once


def test_sendgrid_sandbox_mode_validates_without_sending(sendgrid_standin: SendGridStandin) -> None:
    payload = minimal_payload(mail_settings={"sandbox_mode": {"enable": True}})
    assert sendgrid_standin.client().client.mail.send.post(request_body=payload).status_code == 200
    assert sendgrid_standin.sent == []


def test_sendgrid_reads_a_gzipped_body(sendgrid_standin: SendGridStandin) -> None:
    import gzip

    response = httpx.post(
        f"{sendgrid_standin.base_url}/v3/mail/send",
        content=gzip.compress(json.dumps(minimal_payload()).encode()),
        headers={
            "Authorization": f"Bearer {sendgrid_standin.api_key}",
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        },
    )
    assert response.status_code == 202 and sendgrid_standin.sent == [minimal_payload()]


def test_a_stopped_standin_no_longer_listens() -> None:
    with SendGridStandin() as standin:
        port = standin.port
    with socket.socket() as sock, pytest.raises(OSError):
        sock.connect(("127.0.0.1", port))


# --- Twilio ----------------------------------------------------------------------------------------------------


def test_the_twilio_sdk_creates_a_message(twilio_standin: TwilioStandin) -> None:
    from twilio.rest import Client

    from tests.standins.twilio import StandinHttpClient

    client = Client(
        twilio_standin.account_sid,
        twilio_standin.auth_token,
        http_client=StandinHttpClient(twilio_standin.base_url),
    )
    message = client.messages.create(to=TO, from_=FROM, body="Notice CE-2024-0001: please mow within 10 days.")

    assert message.sid is not None and message.sid.startswith("SM") and len(message.sid) == 34
    int(message.sid[2:], 16)
    assert message.status == "queued"
    assert (message.to, message.from_, message.body) == (TO, FROM, "Notice CE-2024-0001: please mow within 10 days.")
    assert message.account_sid == twilio_standin.account_sid
    assert message.date_created is not None and message.date_created.tzinfo is not None
    assert twilio_standin.sent == [{"To": TO, "From": FROM, "Body": "Notice CE-2024-0001: please mow within 10 days."}]
    resource = twilio_standin.messages[message.sid]
    assert contracts.messages_create().validate_response(resource, 201) == []


def test_the_twilio_sdk_lists_the_messages_to_a_number_newest_first(twilio_standin: TwilioStandin) -> None:
    client = twilio_standin.client()
    first = client.messages.create(to=TO, from_=FROM, body="first")
    client.messages.create(to="+15550100999", from_=FROM, body="elsewhere")
    second = client.messages.create(to=TO, from_=FROM, body="second")
    listed = client.messages.list(to=TO, from_=FROM, page_size=20, limit=20)
    assert [m.sid for m in listed] == [second.sid, first.sid]
    [page] = [json.loads(r.response_body) for r in twilio_standin.requests if r.method == "GET"]
    assert contracts.messages_list().validate_response(page, 200) == []
    unknown = httpx.get(
        twilio_standin.messages_url,
        params={"Color": "red"},
        auth=(twilio_standin.account_sid, twilio_standin.auth_token),
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == 21600


def test_twilio_typed_parameters_and_media(twilio_standin: TwilioStandin) -> None:
    message = twilio_standin.client().messages.create(
        to=TO,
        from_=FROM,
        media_url=["https://city.example.org/notice-p1.png", "https://city.example.org/notice-p2.png"],
        status_callback="https://abate.example.org/hooks/twilio/status",
        provide_feedback=True,
        validity_period=600,
    )
    assert message.sid is not None and message.sid.startswith("MM") and message.num_media == "2"
    [params] = twilio_standin.sent
    assert params["MediaUrl"] == ["https://city.example.org/notice-p1.png", "https://city.example.org/notice-p2.png"]
    assert params["ProvideFeedback"] is True and params["ValidityPeriod"] == 600


def test_twilio_refuses_a_message_without_a_body(twilio_standin: TwilioStandin) -> None:
    with pytest.raises(TwilioRestException) as raised:
        twilio_standin.client().messages.create(to=TO, from_=FROM)
    assert (raised.value.status, raised.value.code) == (400, 21602)
    assert twilio_standin.sent == []
    body = json.loads(twilio_standin.requests[0].response_body)
    assert body == {
        "code": 21602,
        "message": "Message body is required.",
        "more_info": "https://www.twilio.com/docs/errors/21602",
        "status": 400,
    }


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"to": TO, "body": "hi"}, 21603),
        ({"to": TO, "body": "hi", "messaging_service_sid": "MG" + "a" * 32}, None),
        ({"to": TO, "body": "hi", "messaging_service_sid": "MG123"}, 21600),  # not a sid: ^MG[0-9a-fA-F]{32}$
        ({"to": "555-0100", "from_": FROM, "body": "hi"}, 21211),
        ({"to": TO, "from_": "+1 (555) 0100", "body": "hi"}, 21212),
        ({"to": TO, "from_": "CityHall", "body": "hi"}, None),  # an alphanumeric sender id
        ({"to": TO, "from_": FROM, "body": "x" * 1601}, 21617),
        ({"to": TO, "from_": FROM, "content_sid": "HX" + "0" * 32}, None),
        ({"to": TO, "from_": FROM, "body": "hi", "content_retention": "forever"}, 21600),
        ({"to": TO, "from_": FROM, "body": "hi", "schedule_type": "fixed", "send_at": "tomorrow"}, 21600),
    ],
)
def test_the_twilio_contract_bites(twilio_standin: TwilioStandin, kwargs: dict[str, Any], code: int | None) -> None:
    client = twilio_standin.client()
    if code is None:
        assert client.messages.create(**kwargs).status in ("queued", "scheduled")
        return
    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(**kwargs)
    assert (raised.value.status, raised.value.code) == (400, code)


def test_twilio_reads_form_bodies_only(twilio_standin: TwilioStandin) -> None:
    response = httpx.post(
        twilio_standin.messages_url,
        json={"To": TO, "From": FROM, "Body": "hi"},
        auth=(twilio_standin.account_sid, twilio_standin.auth_token),
    )
    assert response.status_code == 400 and response.json()["code"] == 21604


def test_twilio_refuses_a_wrong_token(twilio_standin: TwilioStandin) -> None:
    with pytest.raises(TwilioRestException) as raised:
        twilio_standin.client(auth_token="0" * 32).messages.create(to=TO, from_=FROM, body="hi")
    assert (raised.value.status, raised.value.code) == (401, 20003)
    assert twilio_standin.sent == []


def test_twilio_refuses_another_accounts_path(twilio_standin: TwilioStandin) -> None:
    response = httpx.post(
        twilio_standin.messages_url.replace(twilio_standin.account_sid, "AC" + "f" * 32),
        data={"To": TO, "From": FROM, "Body": "hi"},
        auth=(twilio_standin.account_sid, twilio_standin.auth_token),
    )
    assert response.status_code == 401 and response.json()["code"] == 20003


def test_twilio_outage_then_success_on_retry(twilio_standin: TwilioStandin) -> None:
    client = twilio_standin.client()
    twilio_standin.fail_next(503)
    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(to=TO, from_=FROM, body="hi")
    assert (raised.value.status, raised.value.code) == (503, 20503)
    assert client.messages.create(to=TO, from_=FROM, body="hi").status == "queued"
    assert [r.injected for r in twilio_standin.requests] == [True, False]


@pytest.mark.filterwarnings("ignore::DeprecationWarning:twilio.http.async_http_client")  # the SDK's use of aiohttp
@pytest.mark.filterwarnings("ignore:The 'auth' parameter is deprecated:DeprecationWarning")
async def test_the_async_twilio_sdk_creates_a_message(twilio_standin: TwilioStandin) -> None:
    message = await twilio_standin.async_client().messages.create_async(to=TO, from_=FROM, body="hi")
    assert message.status == "queued" and message.sid in twilio_standin.messages


def test_the_twilio_transport_sends_nothing_off_the_machine(twilio_standin: TwilioStandin) -> None:
    with pytest.raises(ValueError, match="refusing"):
        twilio_standin.client().lookups.v2.phone_numbers(TO).fetch()
    assert standin_url("https://api.dublin.ie1.twilio.com/2010-04-01/x.json?a=1", "http://127.0.0.1:9") == (
        "http://127.0.0.1:9/2010-04-01/x.json?a=1"
    )
    assert twilio_standin.requests == []


# --- signatures ------------------------------------------------------------------------------------------------


def test_the_twilio_status_callback_signature_matches_the_sdk() -> None:
    token = "12345678901234567890123456789012"
    url = "https://abate.example.org/hooks/twilio/status?case=CE-2024-0001"
    params = {
        "MessageSid": "SM" + "a" * 32,
        "MessageStatus": "delivered",
        "To": TO,
        "From": FROM,
        "ApiVersion": "2010-04-01",
    }
    signature = status_callback_signature(token, url, params)
    validator = RequestValidator(token)

    assert signature == validator.compute_signature(url, params)
    assert validator.validate(url, params, signature)
    assert not validator.validate(url, {**params, "MessageStatus": "failed"}, signature)
    assert not RequestValidator("0" * 32).validate(url, params, signature)

    class QueryDict(dict[str, list[str]]):  # a repeated parameter, the way Django hands it to the validator
        def getlist(self, name: str) -> list[str]:
            return self[name]

    repeated = {"MediaUrl": ["https://b.example/2.png", "https://a.example/1.png"], "To": [TO]}
    assert status_callback_signature(token, url, repeated) == validator.compute_signature(url, QueryDict(repeated))


def test_a_status_callback_for_a_sent_message_validates(twilio_standin: TwilioStandin) -> None:
    message = twilio_standin.client().messages.create(to=TO, from_=FROM, body="hi")
    assert message.sid is not None
    url = "https://abate.example.org/hooks/twilio/status"
    params, headers = twilio_standin.status_callback(message.sid, "undelivered", url, error_code=30003)
    assert params["MessageSid"] == message.sid and params["ErrorCode"] == "30003"
    assert RequestValidator(twilio_standin.auth_token).validate(url, params, headers["X-Twilio-Signature"])


def test_a_status_callback_goes_to_the_url_the_message_named_and_must_be_absolute(
    twilio_standin: TwilioStandin,
) -> None:
    client = twilio_standin.client()
    url = "https://abate.example.org/webhooks/twilio"
    named = client.messages.create(to=TO, from_=FROM, body="hi", status_callback=url)
    unnamed = client.messages.create(to=TO, from_=FROM, body="hi")
    assert named.sid is not None and unnamed.sid is not None
    params, headers = twilio_standin.status_callback(named.sid, "delivered")
    assert RequestValidator(twilio_standin.auth_token).validate(url, params, headers["X-Twilio-Signature"])
    with pytest.raises(LookupError):
        twilio_standin.status_callback(unnamed.sid, "delivered")
    with pytest.raises(TwilioRestException) as relative:
        client.messages.create(to=TO, from_=FROM, body="hi", status_callback="/webhooks/twilio")
    assert relative.value.code == 21609


def test_a_hanging_twilio_times_the_client_out_and_sends_nothing(twilio_standin: TwilioStandin) -> None:
    client = Client(
        twilio_standin.account_sid,
        twilio_standin.auth_token,
        http_client=StandinHttpClient(twilio_standin.base_url, timeout=0.5),
    )
    twilio_standin.hang_next(seconds=2)
    with pytest.raises(requests.exceptions.Timeout):
        client.messages.create(to=TO, from_=FROM, body="hi")
    assert twilio_standin.sent == []


def test_sendgrid_event_signatures_pass_the_sdk_verifier_and_tampering_fails() -> None:
    signer = EventWebhookSigner()
    body, headers = signer.signed_request(
        [event("delivered", "owner@example.com", "bJ8X5mMP2As2AIss7ZMYZC", case_number="CE-2024-0001")]
    )
    signature, timestamp = headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER]
    assert SIGNATURE_HEADER == "X-Twilio-Email-Event-Webhook-Signature"
    assert TIMESTAMP_HEADER == "X-Twilio-Email-Event-Webhook-Timestamp"
    verifier = EventWebhook(public_key=signer.public_key)

    assert verifier.verify_signature(body.decode(), signature, timestamp) is True
    tampered = body.replace(b"delivered", b"bounce")
    assert verifier.verify_signature(tampered.decode(), signature, timestamp) is False
    assert verifier.verify_signature(body.decode(), signature, str(int(timestamp) + 1)) is False
    assert (
        EventWebhook(public_key=EventWebhookSigner().public_key).verify_signature(body.decode(), signature, timestamp)
        is False
    )
    [delivered] = json.loads(body)
    assert delivered["sg_message_id"].startswith("bJ8X5mMP2As2AIss7ZMYZC.")
    assert delivered["case_number"] == "CE-2024-0001"
