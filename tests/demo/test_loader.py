from sqlalchemy import func, select

from tests.factories import AS_OF, settings_for
from vaultra_mcp.clock import FixedClock
from vaultra_mcp.demo.generator import generate, scaled_variant
from vaultra_mcp.demo.loader import load_demo
from vaultra_mcp.demo.profiles import OWNERS, PROFILES, profile
from vaultra_mcp.models import Business, Charge, Membership, PersonalAccessToken, User
from vaultra_mcp.services.accounts import sign_in
from vaultra_mcp.services.deps import Deps


async def counts(deps) -> dict[str, int]:
    async with deps.db.sessions() as session:
        return {
            model.__tablename__: (
                await session.execute(select(func.count()).select_from(model))
            ).scalar_one()
            for model in (User, Business, Membership, PersonalAccessToken, Charge)
        }


async def test_demo_creates_six_businesses_and_five_users_one_with_two(deps):
    report = await load_demo(deps, businesses=6, seed=7)
    assert [b.profile for b in report.businesses] == [p.key for p in PROFILES]
    assert sorted(len(u.business_ids) for u in report.users) == [1, 1, 1, 1, 2]
    assert all(u.token.startswith("vtk_") for u in report.users)
    assert report.payment_rows > 30_000


async def test_running_the_demo_twice_is_safe(deps):
    first = await load_demo(deps, businesses=6, seed=7)
    before = await counts(deps)
    second = await load_demo(deps, businesses=6, seed=7)
    assert await counts(deps) == before
    assert (second.created_businesses, second.existing_businesses) == (0, 6)
    assert [u.token for u in second.users] == [u.token for u in first.users]


async def test_scaling_out_adds_variations_with_their_own_owners(deps):
    report = await load_demo(deps, businesses=9, seed=7)
    assert len(report.businesses) == 9
    assert report.businesses[6].profile == "steady_saas_7"
    assert len(report.users) == 5 + 3


async def test_a_demo_owner_signs_in_with_the_printed_password(deps):
    report = await load_demo(deps, businesses=1, seed=7)
    (maya,) = report.users

    assert maya.email in OWNERS and maya.password is not None
    token = await sign_in(deps, maya.email, maya.password, "127.0.0.1")
    assert token.access_token and token.user_id > 0


async def test_demo_passwords_are_refused_in_production(database_url):
    production = settings_for(database_url).changed(env="production")
    deps = Deps.build(production, clock=FixedClock(AS_OF))
    try:
        report = await load_demo(deps, businesses=1, seed=7)
        async with deps.db.sessions() as session:
            hashes = (await session.execute(select(User.password_hash))).scalars().all()
    finally:
        await deps.close()

    assert [u.password for u in report.users] == [None]
    assert hashes == [None]


def test_generation_is_deterministic():
    saas = profile("steady_saas")
    assert generate(saas, AS_OF, 7, "x").charges == generate(saas, AS_OF, 7, "x").charges
    assert generate(saas, AS_OF, 7, "x").charges != generate(saas, AS_OF, 8, "x").charges


def test_generated_objects_hold_no_card_data():
    history = generate(profile("chargeback_shop"), AS_OF, 7, "x")
    keys = {k for c in history.charges for k in c}
    assert not keys & {"payment_method_details", "source", "card", "last4", "fingerprint"}
    assert history.disputes and history.refunds and history.payouts


def test_scaled_variants_have_about_a_thousand_charges():
    variant = scaled_variant(profile("declining_business"), 11, seed=7)
    charges = generate(variant, AS_OF, 7, "v").charges
    assert 900 <= sum(c["status"] == "succeeded" for c in charges) <= 1_100
