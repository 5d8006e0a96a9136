"""No sequence of operations ever lets a case pass a step whose rules fail.

A hypothesis state machine opens a 四议两公开 case and applies random operations through the real
services — materials ticked or not, meetings with random (also invalid) counts, kinds and notice,
signatures, notices drafted and published, the clock moved, objections raised and answered,
exceptions asked and decided (by the right and the wrong township), steps completed by random
people at random positions. Before every completion attempt it reads the rules' verdict on that
step (rules.step_checks over services.step_facts, less the rules a township official excepted);
whenever a completion succeeds, that verdict must have had no blocking failure, the step must have
been the one in hand, and the case's version must have gone up. Refusals (DomainError) are
expected; any other exception fails the test. Each example runs in a savepoint rolled back at the
end, inside the test's transaction (SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from sunlight.cases import rules, services
from sunlight.cases.models import CaseException, CaseStep, ExceptionStatus, StepStatus
from sunlight.disclosure import services as board
from sunlight.disclosure.models import Objection, Post
from sunlight.lib.errors import DomainError

from .helpers import START, clock_at, fresh, open_f1
from .test_services import People, make_people

pytestmark = pytest.mark.django_db

STEP_RULES = [name for name, info in rules.RULES.items() if info.scope in ("step", "deciding_body")]
MEETING_KINDS = [None, "villagers", "representatives", "two_committees", "party_members", "member_reps"]
ACTORS = ["cadre", "director", "clerk", "supervisor", "villager", "outsider", "township"]
# 0 is the step in hand: drawn more often than any other position, so examples get somewhere.
POSITIONS = st.sampled_from([0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8])


def _machine(people: People, clock: Any) -> type[RuleBasedStateMachine]:
    class CaseMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self._savepoint = transaction.atomic()
            self._savepoint.__enter__()
            clock.set(START)
            self.case = open_f1(people.cadre)
            self.version = fresh(self.case).version
            self.completed: list[int] = []

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self._savepoint.__exit__(None, None, None)

        # --- helpers ----------------------------------------------------------------------

        def _try(self, call: Any) -> Any:
            try:
                return call()
            except DomainError:
                return None

        def _pos(self, position: int) -> int:
            """0 means the step in hand; other numbers are taken as given (maybe out of order)."""
            return position or (fresh(self.case).current_position or 1)

        def _step(self, position: int) -> CaseStep | None:
            return CaseStep.objects.filter(case=self.case, position=position).first()

        # --- operations -------------------------------------------------------------------

        @rule(position=POSITIONS, pick=st.sets(st.integers(0, 3)), who=st.sampled_from(ACTORS))
        def tick(self, position: int, pick: set[int], who: str) -> None:
            position = self._pos(position)
            s = self._step(position)
            present = [m for i, m in enumerate(s.materials) if i in pick] if s else []
            self._try(
                lambda: services.step_materials(
                    actor=getattr(people, who), case=fresh(self.case), position=position, present=present
                )
            )

        @rule(position=POSITIONS)
        def tick_all(self, position: int) -> None:
            position = self._pos(position)
            s = self._step(position)
            if s is not None:
                actor = people.for_role(s.role)
                self._try(
                    lambda: services.step_materials(
                        actor=actor, case=fresh(self.case), position=position, present=list(s.materials)
                    )
                )

        @rule(
            position=POSITIONS,
            kind=st.sampled_from(MEETING_KINDS),
            attendees=st.integers(0, 2000),
            share=st.fractions(0, 1),
            against=st.integers(0, 50),
            notice=st.integers(-2, 15),
            ago=st.integers(0, 3),
            who=st.sampled_from(ACTORS),
        )
        def meeting(
            self,
            position: int,
            kind: str | None,
            attendees: int,
            share: Any,
            against: int,
            notice: int,
            ago: int,
            who: str,
        ) -> None:
            position = self._pos(position)
            s = self._step(position)
            actor = people.for_role(s.role) if s is not None and who == "cadre" else getattr(people, who)
            held = clock.today - dt.timedelta(days=ago)
            self._try(
                lambda: services.meeting_record(
                    actor=actor,
                    case=fresh(self.case),
                    position=position,
                    kind=kind,
                    held_on=held,
                    notice_date=held - dt.timedelta(days=notice),
                    agenda="议题",
                    attendees=attendees,
                    votes_for=int(attendees * share),
                    votes_against=against,
                    votes_abstain=0,
                )
            )

        @rule(position=POSITIONS, who=st.sampled_from(["supervisor", "cadre", "outsider_supervisor"]))
        def sign(self, position: int, who: str) -> None:
            position = self._pos(position)
            self._try(lambda: services.step_sign(actor=getattr(people, who), case=fresh(self.case), position=position))

        @rule(position=POSITIONS)
        def draft(self, position: int) -> None:
            position = self._pos(position)
            self._try(
                lambda: services.step_post_draft(
                    actor=people.clerk, case=fresh(self.case), position=position, title="公告", body="详见附件。"
                )
            )

        @rule(position=POSITIONS)
        def publish(self, position: int) -> None:
            position = self._pos(position)
            self._try(lambda: services.step_post_publish(actor=people.clerk, case=fresh(self.case), position=position))

        @rule(days=st.integers(0, 8))
        def time_passes(self, days: int) -> None:
            clock.advance(days)

        @rule()
        def object_(self) -> None:
            s = self._step(fresh(self.case).current_position or 0)
            post = Post.objects.filter(pk=s.post_id).first() if s is not None and s.post_id else None
            if post is not None:
                self._try(
                    lambda: board.objection_raise(actor=people.villager, post=post, reasons="请说明资金来源和标准。")
                )

        @rule()
        def answer(self) -> None:
            objection = Objection.objects.filter(post__case_ref=self.case.ref, answer__isnull=True).first()
            if objection is not None:
                self._try(lambda: board.objection_answer(actor=people.clerk, objection=objection, text="已答复。"))

        @rule(position=POSITIONS, rule_name=st.sampled_from(STEP_RULES))
        def ask_exception(self, position: int, rule_name: str) -> None:
            position = self._pos(position)
            self._try(
                lambda: services.exception_request(
                    actor=people.cadre,
                    case=fresh(self.case),
                    position=position,
                    rule=rule_name,
                    reason="情况特殊，已征得群众同意，请求准予例外。",
                )
            )

        @rule(grant=st.booleans(), who=st.sampled_from(["township", "other_township", "cadre"]))
        def decide_exception(self, grant: bool, who: str) -> None:
            row = CaseException.objects.filter(case=self.case, status=ExceptionStatus.REQUESTED).first()
            if row is not None:
                self._try(
                    lambda: services.exception_decide(
                        actor=getattr(people, who), exception=row, grant=grant, note="已核实。"
                    )
                )

        @rule()
        def prepare_current(self) -> None:
            """Do the step in hand properly (so examples get deep into the flow)."""
            position = fresh(self.case).current_position
            s = self._step(position or 0)
            if s is None:
                return
            actor = people.for_role(s.role)
            self.tick_all(position)
            if s.meeting_kind:
                sizes = {"two_committees": 7, "party_members": 68, "villagers": 1765}
                body = sizes.get(s.meeting_kind, 44)
                self._try(
                    lambda: services.meeting_record(
                        actor=actor,
                        case=fresh(self.case),
                        position=position,  # type: ignore[arg-type]
                        held_on=clock.today,
                        notice_date=clock.today - dt.timedelta(days=12),
                        agenda="议题",
                        attendees=body,
                        votes_for=body,
                        votes_against=0,
                        votes_abstain=0,
                    )
                )
            if s.publish_section:
                self.draft(position)
            if s.supervision_signs:
                self.sign(position, "supervisor")
            if s.publish_section:
                self.publish(position)

        @rule(position=POSITIONS, who=st.sampled_from([*ACTORS, "right"]))
        def complete(self, position: int, who: str) -> None:
            position = self._pos(position)
            case = fresh(self.case)
            s = self._step(position)
            if who == "right":
                actor = people.for_role(s.role) if s is not None else people.cadre
            else:
                actor = getattr(people, who)
            blockers: list[str] | None = None
            if s is not None:
                granted = set(s.exceptions.filter(status=ExceptionStatus.GRANTED).values_list("rule", flat=True))
                checks = rules.step_checks(services.step_facts(case, s))
                blockers = [c.rule for c in rules.blocking_failures(checks) if c.rule not in granted]
            in_hand, before = case.current_position, case.version
            done = self._try(lambda: services.step_complete(actor=actor, case=case, position=position))
            if done is None:
                return
            assert blockers == [], f"step {position} passed with failing rules {blockers}"
            assert position == in_hand
            assert fresh(self.case).version > before
            self.completed.append(position)

        @rule()
        def complete_current(self) -> None:
            self.complete(0, "right")

        @rule()
        def do_current(self) -> None:
            """Prepare the step in hand, wait out its publicity if any, and complete it."""
            self.prepare_current()
            self.wait_out_publicity()
            self.complete(0, "right")

        @rule(pick=st.integers(0, 5))
        def ask_for_a_failing_rule(self, pick: int) -> None:
            case = fresh(self.case)
            s = self._step(case.current_position or 0)
            failing = [c.rule for c in services.step_blockers(case, s)] if s is not None else []
            if failing:
                self.ask_exception(0, failing[pick % len(failing)])

        @rule()
        def wait_out_publicity(self) -> None:
            s = self._step(fresh(self.case).current_position or 0)
            post = Post.objects.filter(pk=s.post_id).first() if s is not None and s.post_id else None
            if post is not None and post.publicity_end is not None and post.publicity_end >= clock.today:
                clock.set(post.publicity_end + dt.timedelta(days=1))

        # --- invariants -------------------------------------------------------------------

        @invariant()
        def steps_done_in_order_and_versions_only_rise(self) -> None:
            case = fresh(self.case)
            assert case.version >= self.version
            self.version = case.version
            statuses = list(case.steps.order_by("position").values_list("position", "status"))
            done = [p for p, status in statuses if status == StepStatus.DONE]
            assert done == list(range(1, len(done) + 1)) == self.completed
            active = [p for p, status in statuses if status == StepStatus.ACTIVE]
            if case.is_open:
                assert active == [len(done) + 1] == [case.current_position]
            else:
                assert active == [] and len(done) == len(statuses)

    return CaseMachine


def test_no_sequence_of_operations_passes_a_step_whose_rules_fail(persona: Any, monkeypatch: Any) -> None:
    people = make_people(persona)
    with clock_at(monkeypatch, START) as clock:
        machine = _machine(people, clock)
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=30,
                stateful_step_count=35,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            ),
        )
    assert not CaseStep.objects.filter(case__title="修缮村委会活动室").exists()  # every example rolled back
