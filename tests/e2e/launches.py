"""What 10,000 users get at launch, checked at each step of the journey: computed
in-process by the launch endpoint's own code, compared with design §6, held to the
grayscale ratio and to cohort stability, and sampled over HTTP."""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from minirelease.errors import NotReleased, Removed
from minirelease.rollout.bucketing import basis_points, bucket
from minirelease.rollout.resolve import Channel, Package, PairRollout, resolve
from minirelease.rollout.snapshot import pair_rollout
from tests.releases.flow import Scenario

USERS = tuple(f"user-{i:05d}" for i in range(10_000))
HTTP_SAMPLE = 300
SHARE_TOLERANCE = 0.005  # ±0.5 percentage points
# 10,000 ids sample the id space: their share of a 50 % grayscale has a standard deviation
# of 0.5 points. Over 250,000 ids it is 0.1 points, so ±0.5 holds by 5 of them.
SHARE_POPULATION = 250_000
SAMPLE_SIGMAS = 4.5

# What one user gets: (channel, release id), or the error code of the answer.
Answer = tuple[str, str] | str


@dataclass(frozen=True)
class Serving:
    """What the users of one mini program on one partner app should get at a step."""

    online: str | None = None  # release everyone else gets; None: not released
    candidate: str | None = None  # release under pilot or grayscale
    percentage: float = 0  # grayscale ratio; 0 while only piloting
    halted: bool = False
    testers: frozenset[str] = frozenset()
    removed: bool = False

    def expected(self, user_id: str | None) -> Answer:
        """The answer for ``user_id``, by design §6's normative bucketing."""
        if self.removed:
            return "removed"
        # A halted candidate serves nobody, testers included.
        if self.candidate is not None and user_id and not self.halted:
            if user_id in self.testers:
                return ("pilot", self.candidate)
            points = basis_points(self.percentage) if self.percentage else 0
            if bucket(self.candidate, user_id) < points:
                return ("grayscale", self.candidate)
        return ("online", self.online) if self.online else "not_released"


def _live_grayscale(serving: Serving) -> bool:
    """A grayscale that serves its share of users now."""
    live = serving.candidate and serving.percentage and not serving.halted
    return bool(live) and not serving.removed


@dataclass
class Pair:
    """One mini program on one partner app, driven through ``flow``."""

    name: str
    flow: Scenario
    serving: Serving = field(default_factory=Serving)


class Launches:
    """The checkpoint: after each step, every pair serves what its ``Serving`` says."""

    def __init__(
        self,
        client: TestClient,
        session_factory: sessionmaker[Any],
        pairs: tuple[Pair, ...],
    ) -> None:
        self.client = client
        self.session_factory = session_factory
        self.pairs = pairs
        # Per release under pilot or grayscale: who it was served to at its last check,
        # and the ratio and testers then.
        self.had: dict[str, tuple[float, frozenset[str], frozenset[str]]] = {}
        self.packages: dict[str, Package] = {}  # per release, as last resolved and checked
        self.downloaded: set[str] = set()
        self.steps = 0

    def check(self, pair: Pair, serving: Serving) -> frozenset[str]:
        """``pair`` now serves as ``serving`` says, and every other pair as before. Returns
        the users of ``pair`` who get its candidate."""
        self.steps += 1
        pair.serving = serving
        cohort: frozenset[str] = frozenset()
        for each in self.pairs:
            rollout, answers = self._resolved(each)
            self._compare(each, answers)
            self._keep_cohorts(each, answers)
            if each is pair:
                self._share_holds(each, rollout)
                self._sample_over_http(each, answers)
                gets_it = {("pilot", serving.candidate), ("grayscale", serving.candidate)}
                cohort = frozenset(u for u in USERS if answers[u] in gets_it)
        return cohort

    def _resolved(self, pair: Pair) -> tuple[PairRollout | None, dict[str | None, Answer]]:
        """The launch answers, computed in-process by the endpoint's own code: the rollout
        read once, then ``resolve`` for every user (and for a launch without user id)."""
        with self.session_factory() as session:
            rollout = pair_rollout(session, pair.flow.partner, pair.flow.app_id)
        answers: dict[str | None, Answer] = {}
        packages: dict[str, Package] = {}
        for user_id in (None, *USERS):
            if rollout is None:
                answers[user_id] = "not_released"
                continue
            try:
                decision = resolve(rollout, user_id)
            except (NotReleased, Removed) as exc:
                answers[user_id] = exc.code
                continue
            answers[user_id] = (decision.channel.value, decision.package.release_id)
            packages[decision.package.release_id] = decision.package
        for release_id, package in packages.items():
            release = pair.flow.ok("GET", f"/releases/{release_id}")
            build = release["build"]
            assert (package.version, package.sha256, package.size, package.signature) == (
                release["version"],
                build["sha256"],
                build["size"],
                build["signature"],
            ), f"{pair.name}: launch serves another package than {release_id}'s build"
        self.packages.update(packages)
        return rollout, answers

    def _compare(self, pair: Pair, answers: dict[str | None, Answer]) -> None:
        serving = pair.serving
        where = f"{pair.name} at step {self.steps}"
        assert answers[None] == serving.expected(None), f"{where}: launch without a user id"
        wrong = [u for u in USERS if answers[u] != serving.expected(u)]
        assert not wrong, f"{where}: {len(wrong)} users, e.g. {wrong[0]}: {answers[wrong[0]]}"
        if _live_grayscale(serving):
            # The 10,000 ids are a sample of the id space: their share is binomial.
            others = [u for u in USERS if u not in serving.testers]
            share = sum(answers[u] == ("grayscale", serving.candidate) for u in others)
            ratio = serving.percentage / 100
            sigma = math.sqrt(ratio * (1 - ratio) / len(others))
            assert abs(share / len(others) - ratio) <= SAMPLE_SIGMAS * sigma, (
                f"{where}: {share / len(others):.2%} on the grayscale version, ratio {ratio:.2%}"
            )

    def _share_holds(self, pair: Pair, rollout: PairRollout | None) -> None:
        """On a running grayscale, the share of launches getting it is within ±0.5
        percentage points of the ratio, over a population large enough for that bound to
        hold by more than 5 standard deviations (see the test module's docstring)."""
        serving = pair.serving
        if rollout is None or not _live_grayscale(serving):
            return
        hits = sum(
            resolve(rollout, f"population-{i}").channel == Channel.GRAYSCALE
            for i in range(SHARE_POPULATION)
        )
        ratio = serving.percentage / 100
        assert abs(hits / SHARE_POPULATION - ratio) <= SHARE_TOLERANCE, (
            f"{pair.name}: {hits / SHARE_POPULATION:.3%} of {SHARE_POPULATION:,} launches on "
            f"the grayscale version, ratio {ratio:.2%}"
        )

    def _keep_cohorts(self, pair: Pair, answers: dict[str | None, Answer]) -> None:
        """Nobody who had the release under pilot or grayscale loses it while it is served
        (a rising ratio, a resumed grayscale, its full release); the same ratio keeps
        exactly the same users. A halted grayscale serves nobody; ``_compare`` checks that."""
        serving = pair.serving
        served: dict[str, set[str]] = {}
        for user_id in USERS:
            answer = answers[user_id]
            if isinstance(answer, tuple):
                served.setdefault(answer[1], set()).add(user_id)
        for release_id, users in served.items():
            if release_id == serving.candidate and serving.halted:
                continue
            if release_id in self.had:
                old_ratio, old_testers, old_users = self.had[release_id]
                lost = old_users - users
                assert not lost, f"{pair.name}: {len(lost)} users lost {release_id}"
                same_rollout = (serving.percentage, serving.testers) == (old_ratio, old_testers)
                if release_id == serving.candidate and same_rollout:
                    assert users == old_users, f"{pair.name}: the cohort of {release_id} changed"
            if release_id == serving.candidate:
                self.had[release_id] = (serving.percentage, serving.testers, frozenset(users))
            else:  # online now: a later release may take its users, as it should
                self.had.pop(release_id, None)

    def _sample_over_http(self, pair: Pair, answers: dict[str | None, Answer]) -> None:
        """At least 300 random users (and the testers, and no user id) ask over HTTP and
        get exactly the in-process answers, with a package whose bytes match."""
        rng = random.Random(f"{pair.name}:{self.steps}")
        sample = [None, *sorted(pair.serving.testers), *rng.sample(USERS, HTTP_SAMPLE)]
        for user_id in sample:
            response = pair.flow.launch(user_id)
            body = response.json()
            expected = answers[user_id]
            if isinstance(expected, str):
                status = 410 if expected == "removed" else 404
                assert (response.status_code, body["code"]) == (status, expected), user_id
                continue
            assert response.status_code == 200, response.text
            assert (body["channel"], body["release_id"]) == expected, user_id
            assert (body["app_id"], body["partner_app"]) == (pair.flow.app_id, pair.flow.partner)
            built = self.packages[body["release_id"]]
            package = body["package"]
            assert (body["version"], package["sha256"], package["size"], package["signature"]) == (
                built.version,
                built.sha256,
                built.size,
                built.signature,
            )
            self._download(package)

    def _download(self, package: dict[str, Any]) -> None:
        sha256 = package["sha256"]
        assert package["url"].endswith(f"/api/v1/packages/{sha256}")
        if sha256 in self.downloaded:
            return
        response = self.client.get(package["url"])
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == sha256
        assert len(response.content) == package["size"]
        self.downloaded.add(sha256)
