"""The demo businesses behave as a lender would expect: the acceptance test of the score."""

from vaultra_mcp.caller import Caller
from vaultra_mcp.core.readiness import weakest
from vaultra_mcp.demo.profiles import EXPECTED_RANKING, PROFILES
from vaultra_mcp.services.readiness import readiness_breakdown


async def scores(deps):
    result = {}
    for index, profile in enumerate(PROFILES, start=1):
        view = await readiness_breakdown(deps, Caller.pinned(index), index)
        result[profile.key] = view.readiness
    return result


async def test_the_six_profiles_rank_as_a_lender_would_expect(demo_deps):
    readiness = await scores(demo_deps)
    ranked = sorted(readiness, key=lambda key: -readiness[key].score)
    assert ranked == list(EXPECTED_RANKING)


async def test_each_profile_is_weakest_where_it_was_built_to_be(demo_deps):
    readiness = await scores(demo_deps)
    for profile in PROFILES:
        if profile.weakest is None:
            continue
        assert weakest(readiness[profile.key]).key == profile.weakest, profile.key
        assert readiness[profile.key].hurts_most[0] == profile.weakest, profile.key


async def test_the_healthy_profile_has_nothing_that_hurts(demo_deps):
    steady = (await scores(demo_deps))["steady_saas"]
    assert steady.tier == "lender_ready"
    assert steady.hurts_most == []


async def test_the_young_startup_is_capped_and_the_declining_business_shows_failed_payouts(
    demo_deps,
):
    readiness = await scores(demo_deps)
    assert readiness["young_startup"].cap is not None
    assert readiness["young_startup"].tier == "not_ready"
    assert "payout_health" in readiness["declining_business"].hurts_most
