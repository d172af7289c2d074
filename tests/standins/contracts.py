"""Request contracts for the provider stand-ins, taken from the providers' own OpenAPI documents.

The documents are copies kept in ``shared/contracts/`` beside the repository (see ``shared/SOURCES.md``):
SendGrid's ``tsg_mail_v3.json`` (OpenAPI 3.1) and Twilio's ``twilio_api_v2010.json`` (OpenAPI 3.0.1).

``load_operation(spec_file, path, method)`` finds one operation; ``Operation.validate`` checks a JSON body
against the operation's request schema with ``jsonschema`` (``$ref``s resolve inside the same document);
``Operation.form_instance`` first turns ``application/x-www-form-urlencoded`` pairs into the typed object
the schema describes (``"true"`` → ``True``, ``"3"`` → ``3``, a repeated key → a list for array properties).

Two entry points add the rules the specs do not state but the real APIs enforce:

- ``mail_send_violations(payload)`` — SendGrid ``POST /v3/mail/send``: ``personalizations`` (at least one)
  and ``from`` (SOURCES.md); also, from SendGrid's published mail-send errors: ``content`` unless a
  ``template_id`` is given, a ``subject`` unless a template or every personalization has one, each address
  at most once per personalization, at most 1000 recipients.
- ``message_create_violations(pairs)`` — Twilio ``POST …/Messages.json``: ``From`` or
  ``MessagingServiceSid``, and one of ``Body``, ``MediaUrl``, ``ContentSid`` (SOURCES.md); also E.164-shaped
  ``To``/``From`` and a body of at most 1600 characters. Each violation carries Twilio's error code.

The SendGrid document has one known error, corrected here (``_ERRATA``): it types the top-level
``custom_args`` as a string, while the API (and the SendGrid SDK's ``Mail.custom_arg``) sends an object whose
values must be strings; personalization-level ``custom_args`` gets the same string-values rule. Without the
correction every message with custom arguments, the way event-webhook events are tied back to a case, would
be rejected by the stand-in although SendGrid accepts it.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

CONTRACTS_DIR = Path(__file__).resolve().parents[3] / "shared" / "contracts"
SENDGRID_MAIL = "sendgrid_mail_v3.json"
TWILIO_API = "twilio_api_v2010.json"

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

MAIL_SEND_PATH = "/v3/mail/send"
MESSAGES_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"

# Corrections to the copied documents, by JSON pointer: what the real API accepts where the document is wrong.
_STRING_VALUES = {"type": "object", "additionalProperties": {"type": "string"}, "maxProperties": 10000}
_ERRATA: dict[str, list[tuple[str, dict[str, Any]]]] = {
    SENDGRID_MAIL: [
        (
            "/components/requestBodies/PostMailSend/content/application~1json/schema/properties/custom_args",
            _STRING_VALUES,
        ),
        (
            "/components/requestBodies/PostMailSend/content/application~1json/schema/properties/personalizations/items/properties/custom_args",
            _STRING_VALUES,
        ),
    ],
}


@dataclass(frozen=True)
class Violation:
    """One way a request breaks the contract: the field (dotted path, or None for the whole body), a message,
    and the provider's error code where the provider has one (Twilio)."""

    field: str | None
    message: str
    code: int | None = None


# --- documents ------------------------------------------------------------------------------------------------


def _pointer_get(document: Any, pointer: str) -> Any:
    node = document
    for token in pointer.lstrip("/").split("/") if pointer.strip("/") else []:
        key = token.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _pointer_set(document: Any, pointer: str, value: Any) -> None:
    parent, _, last = pointer.rpartition("/")
    _pointer_get(document, parent)[last.replace("~1", "/").replace("~0", "~")] = value


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _nullable_to_type(node: Any) -> None:
    """OpenAPI 3.0's ``nullable: true`` as JSON Schema: ``null`` joins the allowed types (and enum values)."""
    if isinstance(node, dict):
        if node.get("nullable") is True:
            if isinstance(node.get("type"), str):
                node["type"] = [node["type"], "null"]
            if isinstance(node.get("enum"), list) and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        for value in node.values():
            _nullable_to_type(value)
    elif isinstance(node, list):
        for value in node:
            _nullable_to_type(value)


@functools.cache
def load_spec(spec_file: str) -> dict[str, Any]:
    """The OpenAPI document as JSON Schema tools read it: errata applied, 3.0 ``nullable`` made a type."""
    path = CONTRACTS_DIR / spec_file
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the contracts live in shared/contracts beside the repository")
    document = json.loads(path.read_text(encoding="utf-8"))
    for pointer, schema in _ERRATA.get(spec_file, []):
        _pointer_set(document, pointer, copy.deepcopy(schema))
    if str(document.get("openapi", "")).startswith("3.0"):
        _nullable_to_type(document)
    return document


# --- formats ---------------------------------------------------------------------------------------------------

_FORMATS = FormatChecker(formats=())
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


@_FORMATS.checks("email")
def _is_email(instance: object) -> bool:
    return not isinstance(instance, str) or bool(_EMAIL.match(instance))


@_FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    return "T" in instance.upper() and datetime.fromisoformat(instance).tzinfo is not None


# --- operations ------------------------------------------------------------------------------------------------


@dataclass
class Operation:
    """One OpenAPI operation (``path`` + ``method``) of one document, with its request-body validators."""

    spec_file: str
    path: str
    method: str
    document: dict[str, Any]
    pointer: str
    _validators: dict[str, jsonschema.protocols.Validator] = field(default_factory=dict, repr=False)

    @property
    def operation(self) -> dict[str, Any]:
        return _pointer_get(self.document, self.pointer)

    @property
    def base_uri(self) -> str:
        return f"urn:abate:contract:{self.spec_file}"

    def _resolve(self, pointer: str) -> tuple[str, Any]:
        """Follows OpenAPI-level ``$ref``s (request bodies, responses) to the object they name."""
        node = _pointer_get(self.document, pointer)
        while isinstance(node, dict) and "$ref" in node:
            pointer = node["$ref"].removeprefix("#")
            node = _pointer_get(self.document, pointer)
        return pointer, node

    def deref(self, schema: Any) -> Any:
        """A schema with its own ``$ref`` followed (for reading types, not for validating)."""
        while isinstance(schema, dict) and "$ref" in schema:
            schema = _pointer_get(self.document, schema["$ref"].removeprefix("#"))
        return schema

    def request_schema_pointer(self, content_type: str) -> str:
        pointer, body = self._resolve(f"{self.pointer}/requestBody")
        if content_type not in body.get("content", {}):
            raise KeyError(f"{self.method.upper()} {self.path} takes no {content_type} body")
        return f"{pointer}/content/{_escape(content_type)}/schema"

    def request_schema(self, content_type: str) -> dict[str, Any]:
        return self.deref(_pointer_get(self.document, self.request_schema_pointer(content_type)))

    def response_schema_pointer(self, status: int, content_type: str = JSON) -> str:
        pointer, response = self._resolve(f"{self.pointer}/responses/{status}")
        if content_type not in response.get("content", {}):
            raise KeyError(f"{self.method.upper()} {self.path} answers {status} without a {content_type} body")
        return f"{pointer}/content/{_escape(content_type)}/schema"

    def _validator(self, pointer: str) -> jsonschema.protocols.Validator:
        if pointer not in self._validators:
            version = str(self.document.get("openapi", "3.1"))
            specification, cls = (
                (DRAFT4, jsonschema.Draft4Validator)
                if version.startswith("3.0")
                else (DRAFT202012, jsonschema.Draft202012Validator)
            )
            resource: Resource[Any] = specification.create_resource(self.document)
            registry: Registry[Any] = Registry().with_resource(self.base_uri, resource)
            self._validators[pointer] = cls(
                {"$ref": f"{self.base_uri}#{pointer}"}, registry=registry, format_checker=_FORMATS
            )
        return self._validators[pointer]

    def validate(self, instance: Any, content_type: str = JSON) -> list[Violation]:
        """Every way ``instance`` breaks the request schema for ``content_type``, ordered by field."""
        return _violations(self._validator(self.request_schema_pointer(content_type)).iter_errors(instance))

    def validate_response(self, instance: Any, status: int, content_type: str = JSON) -> list[Violation]:
        """Every way ``instance`` breaks the schema of the ``status`` response (to keep the stand-ins honest)."""
        return _violations(self._validator(self.response_schema_pointer(status, content_type)).iter_errors(instance))

    def form_instance(
        self, pairs: Iterable[tuple[str, str]], content_type: str = FORM
    ) -> tuple[dict[str, Any], list[Violation]]:
        """Form pairs as the object the schema describes, plus violations the conversion itself finds.

        A property typed ``array`` collects every value of a repeated key; a scalar property given more than
        once is a violation. Values become the declared ``integer``/``number``/``boolean`` where they parse;
        where they do not they stay strings, and validation then reports the wrong type.
        """
        properties = self.request_schema(content_type).get("properties", {})
        grouped: dict[str, list[str]] = {}
        for name, value in pairs:
            grouped.setdefault(name, []).append(value)
        instance: dict[str, Any] = {}
        violations: list[Violation] = []
        for name, values in grouped.items():
            schema = self.deref(properties.get(name, {}))
            if schema.get("type") == "array":
                item_type = self.deref(schema.get("items", {})).get("type")
                instance[name] = [_coerce(value, item_type) for value in values]
                continue
            if len(values) > 1:
                violations.append(Violation(name, f"{name} takes one value; the request gave {len(values)}"))
            instance[name] = _coerce(values[0], schema.get("type"))
        return instance, violations


def _coerce(value: str, declared: object) -> Any:
    if declared == "integer" and re.fullmatch(r"[+-]?\d+", value):
        return int(value)
    if declared == "number" and re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", value):
        return float(value)
    if declared == "boolean" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _field(path: Iterable[object]) -> str | None:
    parts = [str(part) for part in path]
    return ".".join(parts) or None


def _violations(errors: Iterator[ValidationError]) -> list[Violation]:
    found: list[Violation] = []
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        if error.validator == "required" and isinstance(error.instance, dict):
            for name in error.validator_value:
                if name not in error.instance:
                    found.append(Violation(_field([*error.absolute_path, name]), f"{name} is required"))
        else:
            found.append(Violation(_field(error.absolute_path), error.message))
    return found


@functools.cache
def load_operation(spec_file: str, path: str, method: str) -> Operation:
    """The operation at ``path`` / ``method`` of ``shared/contracts/<spec_file>``."""
    document = load_spec(spec_file)
    if path not in document.get("paths", {}) or method.lower() not in document["paths"][path]:
        raise KeyError(f"{spec_file} has no {method.upper()} {path}")
    return Operation(spec_file, path, method.lower(), document, f"/paths/{_escape(path)}/{method.lower()}")


def mail_send() -> Operation:
    return load_operation(SENDGRID_MAIL, MAIL_SEND_PATH, "post")


def messages_create() -> Operation:
    return load_operation(TWILIO_API, MESSAGES_PATH, "post")


def messages_list() -> Operation:
    return load_operation(TWILIO_API, MESSAGES_PATH, "get")


def message_list_violations(pairs: Sequence[tuple[str, str]]) -> list[Violation]:
    """The query parameters the list-messages contract declares (``To``, ``From``, ``DateSent``…, paging)."""
    declared = {p["name"] for p in messages_list().operation.get("parameters", []) if p.get("in") == "query"}
    return [
        Violation(name, f"Invalid parameter {name}: the list of messages takes no such filter", INVALID_PARAMETER)
        for name, _ in pairs
        if name not in declared
    ]


# --- SendGrid: POST /v3/mail/send ------------------------------------------------------------------------------

_SG_FROM = (
    "The from object must be provided for every email send. "
    "It is an object that requires the email parameter, but may also contain a name parameter."
)
_SG_PERSONALIZATIONS = "The personalizations field is required and must have at least one personalization."
_SG_CONTENT = (
    "Unless a valid template_id is provided, the content parameter is required. "
    "There must be at least one defined content block."
)
_SG_SUBJECT = (
    "The subject is required. You can get around this requirement if you use a template with a subject "
    "defined or if every personalization has a subject defined."
)


def mail_send_violations(payload: Any) -> list[Violation]:
    """The SendGrid mail-send contract: the document's request schema, then the rules it leaves out."""
    found = mail_send().validate(payload, JSON)
    if not isinstance(payload, dict):
        return found or [Violation(None, "The request body must be a JSON object.")]
    extra: list[Violation] = []
    if not isinstance(payload.get("from"), dict) or "email" not in payload["from"]:
        extra.append(Violation("from", _SG_FROM))
    personalizations = payload.get("personalizations")
    if not isinstance(personalizations, list) or not personalizations:
        extra.append(Violation("personalizations", _SG_PERSONALIZATIONS))
        personalizations = []
    personalizations = [p for p in personalizations if isinstance(p, dict)]
    templated = bool(payload.get("template_id"))
    if not templated and not payload.get("content"):
        extra.append(Violation("content", _SG_CONTENT))
    if (
        not templated
        and not payload.get("subject")
        and not (personalizations and all(p.get("subject") for p in personalizations))
    ):
        extra.append(Violation("subject", _SG_SUBJECT))
    recipients = 0
    for index, personalization in enumerate(personalizations):
        seen: set[str] = set()
        for kind in ("to", "cc", "bcc"):
            for recipient in personalization.get(kind) or []:
                email = recipient.get("email") if isinstance(recipient, dict) else None
                if not isinstance(email, str):
                    continue
                recipients += 1
                if email.lower() in seen:
                    extra.append(
                        Violation(
                            f"personalizations.{index}",
                            "Each email address in the personalization block should be unique between to, cc, "
                            f"and bcc. We found the first duplicate instance of [{email}] in the "
                            f"personalizations.{index}.{kind} field.",
                        )
                    )
                seen.add(email.lower())
    if recipients > 1000:
        extra.append(
            Violation("personalizations", "There is a limit of 1000 total recipients (to + cc + bcc) per request.")
        )
    worded = {violation.field for violation in extra}  # SendGrid's own wording wins over the schema's
    return extra + [violation for violation in found if violation.field not in worded]


# --- Twilio: POST /2010-04-01/Accounts/{AccountSid}/Messages.json ----------------------------------------------

TWILIO_ERRORS = "https://www.twilio.com/docs/errors/{}"
# Twilio's own codes where one fits; 21600 ("Messages resource", the family's general code) otherwise.
TO_REQUIRED, FROM_REQUIRED, BODY_REQUIRED = 21604, 21603, 21602
INVALID_TO, INVALID_FROM, BODY_TOO_LONG, INVALID_PARAMETER = 21211, 21212, 21617, 21600
INVALID_STATUS_CALLBACK = 21609

_CHANNEL = r"(?:(?:whatsapp|messenger|rcs|viber|line|kakao|apple|gbm|fbm|wechat|instagram):)?"
_E164 = re.compile(rf"^{_CHANNEL}\+[1-9]\d{{1,14}}$")
_SHORT_CODE = re.compile(r"^\d{3,8}$")
_ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")


def _absolute_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def message_create_violations(pairs: Sequence[tuple[str, str]]) -> tuple[dict[str, Any], list[Violation]]:
    """The Twilio create-message contract for form ``pairs``: the typed parameters, and every violation
    (each with Twilio's error code), the ones Twilio reports first first."""
    operation = messages_create()
    params, conversion = operation.form_instance(pairs, FORM)
    found: list[Violation] = []
    if not params.get("To"):
        found.append(Violation("To", "A 'To' phone number is required.", TO_REQUIRED))
    if not params.get("From") and not params.get("MessagingServiceSid"):
        found.append(
            Violation(
                "From", "A 'From' or 'MessagingServiceSid' parameter is required to send a message.", FROM_REQUIRED
            )
        )
    if not any(params.get(name) for name in ("Body", "MediaUrl", "ContentSid")):
        found.append(Violation("Body", "Message body is required.", BODY_REQUIRED))
    reported = {violation.field for violation in found}
    found.extend(
        Violation(v.field, f"Invalid parameter {v.field}: {v.message}", INVALID_PARAMETER)
        for v in conversion + operation.validate(params, FORM)
        if v.field not in reported
    )
    to, sender = params.get("To"), params.get("From")
    if isinstance(to, str) and to and not _E164.match(to):
        found.append(Violation("To", f"The 'To' number {to} is not a valid phone number.", INVALID_TO))
    if (
        isinstance(sender, str)
        and sender
        and not (_E164.match(sender) or _SHORT_CODE.match(sender) or _ALPHANUMERIC_SENDER.match(sender))
    ):
        found.append(Violation("From", f"The 'From' number {sender} is not a valid phone number.", INVALID_FROM))
    # The document types it "uri" (as it does its own relative resource uris); Twilio calls it, so it must be
    # an absolute http(s) URL.
    callback = params.get("StatusCallback")
    if isinstance(callback, str) and not _absolute_url(callback):
        found.append(
            Violation("StatusCallback", f"The StatusCallback URL {callback} is not valid.", INVALID_STATUS_CALLBACK)
        )
    body = params.get("Body")
    if isinstance(body, str) and len(body) > 1600:
        found.append(
            Violation("Body", "The concatenated message body exceeds the 1600 character limit.", BODY_TOO_LONG)
        )
    return params, found
