"""``/users``: the profile and the businesses the caller owns."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from api_shell.operations import Call, Operation
from vaultra_mcp.services import accounts
from vaultra_mcp.services.accounts import BusinessFields, BusinessView, NewBusiness, Profile


class ProfileChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    )


async def get_me(call: Call) -> Profile:
    return await accounts.profile(call.deps, call.caller)


async def update_me(call: Call) -> Profile:
    body: ProfileChange = call.body
    return await accounts.update_profile(call.deps, call.caller, body.full_name)


async def create_business(call: Call) -> BusinessView:
    return await accounts.create_business(call.deps, call.caller, call.body)


async def update_business(call: Call) -> BusinessView:
    return await accounts.update_business(
        call.deps, call.caller, call.path("business_id"), call.body
    )


OPERATIONS = [
    Operation("GET", "/users/me", get_me, "You and your businesses", "users", response=Profile),
    Operation(
        "PATCH",
        "/users/me",
        update_me,
        "Change your profile",
        "users",
        response=Profile,
        body=ProfileChange,
    ),
    Operation(
        "POST",
        "/users/businesses",
        create_business,
        "Create a business you own",
        "users",
        response=BusinessView,
        body=NewBusiness,
        status=201,
    ),
    Operation(
        "PATCH",
        "/users/businesses/{business_id:int}",
        update_business,
        "Change a business you own",
        "users",
        response=BusinessView,
        body=BusinessFields,
        errors={
            403: "PERMISSION_DENIED: you are a member of this business but not an owner",
            404: "BUSINESS_NOT_FOUND: not one of your businesses",
        },
    ),
]
