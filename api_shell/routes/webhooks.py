"""``POST /webhooks/stripe``: no bearer auth; the signature over the raw body is the credential."""

from __future__ import annotations

from api_shell.operations import Call, Operation
from vaultra_mcp.services.webhooks import WebhookReceipt, receive_stripe_event


async def stripe_webhook(call: Call) -> WebhookReceipt:
    payload = await call.request.body()
    signature = call.request.headers.get("stripe-signature")
    return await receive_stripe_event(call.deps, payload, signature)


OPERATIONS = [
    Operation(
        "POST",
        "/webhooks/stripe",
        stripe_webhook,
        "Receive a Stripe event (signed with Stripe-Signature)",
        "stripe",
        response=WebhookReceipt,
        auth=False,
        raw_body=True,
        errors=(503,),
    ),
]
