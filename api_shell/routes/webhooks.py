"""``POST /webhooks/stripe``: no bearer auth; the signature over the raw body is the credential."""

from __future__ import annotations

from api_shell.operations import Call, Header, Operation
from vaultra_mcp.services.webhooks import WebhookReceipt, receive_stripe_event


async def stripe_webhook(call: Call) -> WebhookReceipt:
    payload = await call.request.body()
    signature = call.request.headers.get("stripe-signature")
    return await receive_stripe_event(call.deps, payload, signature)


# What the route needs to read an event; Stripe's full shape: https://docs.stripe.com/api/events/object
EVENT_SCHEMA = {
    "type": "object",
    "required": ["id", "object", "type", "created", "data"],
    "properties": {
        "id": {"type": "string", "pattern": "^evt_", "maxLength": 255},
        "object": {"const": "event"},
        "type": {"type": "string", "minLength": 1, "maxLength": 100},
        "created": {"type": "integer", "minimum": 0},
        "livemode": {"type": "boolean"},
        "account": {"type": ["string", "null"], "maxLength": 255},
        "data": {
            "type": "object",
            "required": ["object"],
            "properties": {"object": {"type": "object"}},
        },
    },
}
SIGNATURE = Header(
    "Stripe-Signature",
    "t=<unix seconds>,v1=<HMAC-SHA256 of t.body> from Stripe (one t; several v1 while "
    "secrets rotate); https://docs.stripe.com/webhooks#verify-manually",
    required=True,
    max_length=4_096,
)

OPERATIONS = [
    Operation(
        "POST",
        "/webhooks/stripe",
        stripe_webhook,
        "Receive a Stripe event (signed with Stripe-Signature)",
        "stripe",
        response=WebhookReceipt,
        auth=False,
        headers=(SIGNATURE,),
        raw_body=EVENT_SCHEMA,
        errors={
            400: "INVALID_SIGNATURE: Stripe-Signature is missing, has no or several t, is older "
            "or newer than 300 s, or matches no configured secret; MALFORMED_EVENT: the signed "
            "body is not readable JSON (see the JSON rules) or not an event; LIVEMODE_MISMATCH: "
            "a live event at a test endpoint or the reverse",
            503: "CONFIGURATION_ERROR: STRIPE_WEBHOOK_SECRET is not set; STORE_UNAVAILABLE: the "
            "event was not stored, so Stripe retries it",
        },
    ),
]
