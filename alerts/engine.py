"""The alert engine: readings in, alert transitions out, on explicit time so replay and live agree.

`feed(readings)` updates each sensor's windows and evaluates the rules that watch it at the reading's
time; `tick(now)` evaluates everything whose state can change with time alone (pending and
keep-firing timers, stale data, offline devices, silent buses, opening hours, seasons). Both return
the transitions and hand each to the subscribed listeners. The engine does no I/O: `alerts.service`
persists and wires it, `alerts.replay` drives it from a CSV file with simulated time.

Per alert: a breach starts `pending` (or `firing` at once when the rule has no `for`); `firing` lasts
until the value has recovered past the hysteresis threshold for `keep_firing_for`, so a value
wobbling around its limit makes one alert. Stale, offline or bad data makes the alert `unknown`, and
a device whose sensors are all stale raises its own offline alert, inhibited while its whole bus is
silent (one bus-down alert instead of one per device).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime

from alerts.rules.bind import BUS_RULE, Binding, Kind
from alerts.rules.window import SlidingMean
from alerts.silence import Silence
from alerts.state import AlertState, AlertStatus, Transition
from config.alerting import Seasons, in_day_range
from config.loader import Site
from config.standards import Season, Statistic, When
from sensors import Quality, Quantity, Reading
from sensors.catalog import SensorInfo

log = logging.getLogger("anjing.alerts")

Listener = Callable[[Transition], None]
FLAP_WINDOW = 3600.0  # seconds; policy, not in any standard
FLAP_COUNT = 4  # firings within FLAP_WINDOW that make an alert flapping
FLAPPING_NOTE = (
    "告警抖动 / flapping: fired 4 times within an hour; further firings are marked until it calms down"
)
REMOVED_NOTE = "配置已删除此告警 / no longer in the configuration (reloaded)"
S = AlertState


def window_lengths(bindings: Iterable[Binding]) -> dict[str, set[float]]:
    """The window lengths each sensor is averaged over for `bindings` (0: its last value)."""
    windows: dict[str, set[float]] = {}
    for b in bindings:
        for sensor in b.sensors:
            windows.setdefault(sensor, set()).add(b.window)
    return windows


class AlertError(ValueError):
    """An operation on an alert that cannot be done (unknown alert, not firing)."""


class _Track:
    """What the engine knows of one sensor: its newest reading and its sliding windows."""

    __slots__ = ("info", "label", "quality", "ts", "value", "windows")

    def __init__(self, info: SensorInfo, windows: Iterable[float], previous: _Track | None = None) -> None:
        """A sensor's track; with `previous` (a reload), its last reading and the windows of the same length."""
        self.info = info
        self.ts: float | None = previous.ts if previous else None
        self.value: float | None = previous.value if previous else None
        self.label: str | None = previous.label if previous else None
        self.quality: Quality = previous.quality if previous else Quality.GOOD
        kept: dict[float, SlidingMean] = previous.windows if previous else {}
        self.windows: dict[float, SlidingMean] = {
            length: kept[length] if length in kept else SlidingMean(length)
            for length in windows
            if length > 0
        }

    def record(self, reading: Reading, *, windows: bool = True) -> None:
        ts = reading.ts.timestamp()
        if self.ts is not None and ts < self.ts:
            return  # older than what we have: history already counted
        self.ts, self.value, self.quality = ts, reading.value, reading.quality
        self.label = reading.state
        if self.label is None and reading.value is not None and self.info.quantity.info.is_state:
            states = self.info.quantity.info.states
            index = int(reading.value)
            self.label = states[index] if 0 <= index < len(states) else None
        if windows and reading.quality is Quality.GOOD and reading.value is not None:
            for window in self.windows.values():
                window.add(ts, reading.value)

    def fresh(self, now: float) -> bool:
        return self.ts is not None and now - self.ts <= self.info.stale_after and self.quality is Quality.GOOD


class AlertEngine:
    def __init__(self, site: Site, bindings: Sequence[Binding], catalog: Mapping[str, SensorInfo]) -> None:
        self._status: dict[str, AlertStatus] = {}
        self._tracks: dict[str, _Track] = {}
        self._listeners: list[Listener] = []
        self._silences: dict[str, Silence] = {}
        self._started: float | None = None
        self._now = 0.0
        self._bind(site, bindings, catalog)

    def _bind(self, site: Site, bindings: Sequence[Binding], catalog: Mapping[str, SensorInfo]) -> None:
        """Index `bindings` and `catalog`; a sensor or alert already known keeps its data and state."""
        self.site = site
        self._bindings = {b.key: b for b in bindings}
        self._status = {b.key: self._status.get(b.key) or AlertStatus() for b in bindings}
        windows = window_lengths(bindings)
        self._rules = [b for b in bindings if b.kind is Kind.RULE]
        self._by_sensor: dict[str, list[Binding]] = {}
        for b in self._rules:
            for sensor in b.sensors:
                self._by_sensor.setdefault(sensor, []).append(b)
        self._tracks = {
            ident: _Track(info, windows.get(ident, ()), self._tracks.get(ident))
            for ident, info in catalog.items()
        }
        self._health = [b for b in bindings if b.kind is Kind.BUS_DOWN] + [
            b for b in bindings if b.kind is Kind.DEVICE_OFFLINE
        ]  # buses first: a silent bus inhibits its devices in the same tick
        self._power = [i for i, info in catalog.items() if info.quantity is Quantity.MAIN_POWER]
        self._seasons: Seasons = site.config.alerting.seasons
        self._season_cache: tuple[date, Season] | None = None
        self._open_cache: tuple[int, bool] | None = None

    # --- the public surface -------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every transition (after it is recorded); returns the unsubscribe callable."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    @property
    def bindings(self) -> Mapping[str, Binding]:
        return self._bindings

    def status(self, key: str) -> AlertStatus:
        return self._status[key]

    def shown(self) -> list[tuple[Binding, AlertStatus]]:
        """The alerts that are pending, firing, acknowledged or unknown now."""
        return [(self._bindings[k], s) for k, s in self._status.items() if s.state.shown]

    def in_season(self, binding: Binding, now: float) -> bool:
        """Whether `binding`'s limit is the one of the season at `now` (the kiosk rates by today's limits)."""
        rule = binding.rule
        return rule is None or rule.season is Season.ANY or self._season(now) is rule.season

    def windows(self) -> dict[str, set[float]]:
        """The window lengths each sensor is averaged over, to refill them at start-up."""
        return {ident: set(track.windows) for ident, track in self._tracks.items() if track.windows}

    def rebind(
        self, site: Site, bindings: Sequence[Binding], catalog: Mapping[str, SensorInfo], now: float
    ) -> list[Transition]:
        """Take a reloaded site: an alert that remains keeps its state (acknowledged stays acknowledged),
        a sensor that remains its last reading and the windows it is still averaged over, silences and
        listeners stay; an alert no longer defined is resolved, so its end is recorded and told."""
        keys = {b.key for b in bindings}
        now = self._clock(now)
        gone = [b for key, b in self._bindings.items() if key not in keys and self._status[key].state.shown]
        out = [self._move(b, self._status[b.key], S.RESOLVED, now, note=REMOVED_NOTE) for b in gone]
        self._bind(site, bindings, catalog)
        return out

    def load_window(self, sensor: str, length: float, buckets: Iterable[tuple[float, float, int]]) -> None:
        """Refill one window from stored aggregates (start, sum, count) of `length / BUCKETS` seconds."""
        window = self._tracks[sensor].windows[length]
        for start, total, count in buckets:
            window.add(start, total, count)

    def load_latest(self, readings: Iterable[Reading]) -> None:
        """Take each sensor's newest stored reading as its current value (its window already has it)."""
        for reading in readings:
            track = self._tracks.get(reading.sensor)
            if track is not None:
                track.record(reading, windows=False)

    def restore(self, statuses: Mapping[str, AlertStatus], silences: Iterable[Silence], now: float) -> None:
        """Take up the states persisted before a restart; the next evaluations continue from them."""
        for key, status in statuses.items():
            if key in self._status:
                self._status[key] = status
        for silence in silences:
            self._silences[silence.id] = silence
        self._started = now
        self._now = max(self._now, now)

    def feed(self, readings: Iterable[Reading]) -> list[Transition]:
        out: list[Transition] = []
        for reading in readings:
            track = self._tracks.get(reading.sensor)
            if track is None:
                continue
            track.record(reading)
            now = self._clock(reading.ts.timestamp())
            for binding in self._by_sensor.get(reading.sensor, ()):
                out.extend(self._evaluate(binding, now))
        return out

    def tick(self, now: float) -> list[Transition]:
        now = self._clock(now)
        out: list[Transition] = []
        for binding in self._health:
            out.extend(self._evaluate_health(binding, now))
        for binding in self._rules:
            out.extend(self._evaluate(binding, now))
        return out

    def report(self, key: str, note: str | None, now: float) -> list[Transition]:
        """A service check's result (`alerts.selfcheck`): firing while `note` is given, else resolved."""
        return self._switch(self._bindings[key], self._clock(now), note, "恢复正常 / back to normal")

    def acknowledge(self, key: str, user: str, comment: str, now: float) -> Transition:
        status = self._status.get(key)
        if status is None:
            raise AlertError(f"未知告警 / unknown alert {key!r}")
        if status.state is not S.FIRING:
            raise AlertError(f"告警未处于触发状态 / alert {key!r} is {status.state.value}, not firing")
        status.acked_by, status.acked_at, status.comment = user, now, comment
        return self._move(
            self._bindings[key], status, S.ACKNOWLEDGED, self._clock(now), user=user, comment=comment
        )

    def add_silence(self, silence: Silence) -> None:
        self._silences[silence.id] = silence

    def expire_silence(self, ident: str, now: float) -> Silence:
        old = self._silences.get(ident)
        if old is None:
            raise AlertError(f"未知静默 / unknown silence {ident!r}")
        ended = Silence.from_json({**old.to_json(), "end": max(old.start + 0.001, min(old.end, now))})
        self._silences[ident] = ended
        return ended

    @property
    def silences(self) -> list[Silence]:
        return sorted(self._silences.values(), key=lambda s: s.start)

    # --- evaluation ---------------------------------------------------------------------------------

    def _clock(self, now: float) -> float:
        """Time never runs backwards for the engine (a reading's time may lag the last tick)."""
        if self._started is None:
            self._started = now
        self._now = max(self._now, now)
        return self._now

    def _silent(self, sensors: Sequence[str], now: float, limit: float) -> bool:
        started = self._started or now
        for sensor in sensors:
            track = self._tracks[sensor]
            if now - (track.ts if track.ts is not None else started) <= limit:
                return False
        return True

    def _evaluate_health(self, binding: Binding, now: float) -> list[Transition]:
        if binding.kind is Kind.BUS_DOWN:
            limit = min(self._tracks[s].info.stale_after for s in binding.sensors)
        else:
            limit = max(self._tracks[s].info.stale_after for s in binding.sensors)
        down = self._silent(binding.sensors, now, limit)
        bus_key = f"{BUS_RULE}@{binding.bus}"
        bus = self._status.get(bus_key) if binding.bus else None
        inhibited = bus_key if bus is not None and bus.state.active else None
        return self._switch(binding, now, "no reading" if down else None, "readings again", inhibited)

    def _switch(
        self, binding: Binding, now: float, note: str | None, recovered: str, inhibited_by: str | None = None
    ) -> list[Transition]:
        """Fire while `note` is given, resolve when it is not: checks with no window and no hysteresis."""
        status = self._status[binding.key]
        if note is not None and not status.state.active:
            status.breach_since = now
            return [self._move(binding, status, S.FIRING, now, note=note, inhibited_by=inhibited_by)]
        if note is None and status.state.active:
            return [self._move(binding, status, S.RESOLVED, now, note=recovered)]
        return []

    def _evaluate(self, binding: Binding, now: float) -> list[Transition]:
        status = self._status[binding.key]
        rule = binding.rule
        assert rule is not None
        if not self._applies(rule.season, rule.when, now):
            if status.state.shown:
                return [
                    self._move(binding, status, S.RESOLVED, now, note="not applicable now (season/hours)")
                ]
            return []
        value, fresh = self._measure(binding, now)
        if not fresh:
            if status.state is S.UNKNOWN or (
                status.state is S.INACTIVE and not self._grace_over(binding, now)
            ):
                return []
            status.before_unknown = status.state if status.state.active else S.INACTIVE
            return [self._move(binding, status, S.UNKNOWN, now, note="stale, offline or bad data")]
        if value is None:
            return []  # not enough data in the window yet: hold
        status.value = value if rule.statistic is not Statistic.STATE else None
        target = self._step(binding, status, value, now)
        return [] if target is None else [self._move(binding, status, target, now)]

    def _grace_over(self, binding: Binding, now: float) -> bool:
        started = self._started or now
        return all(now - started > self._tracks[s].info.stale_after for s in binding.sensors)

    def applies(self, binding: Binding, now: float) -> bool:
        """Whether `binding`'s rule applies at `now` (its season and opening-hours condition)."""
        rule = binding.rule
        return rule is None or self._applies(rule.season, rule.when, now)

    def _applies(self, season: Season, when: When, now: float) -> bool:
        if season is not Season.ANY and self._season(now) is not season:
            return False
        if when is When.OPEN:
            return self._is_open(now)
        if when is When.EMERGENCY:
            return any(self._tracks[s].label == "off" and self._tracks[s].fresh(now) for s in self._power)
        return True

    def _season(self, now: float) -> Season:
        day = datetime.fromtimestamp(now, self.site.config.site.tz).date()
        if self._season_cache is None or self._season_cache[0] != day:
            season = Season.TRANSITION
            if in_day_range(self._seasons.summer, day):
                season = Season.SUMMER
            elif in_day_range(self._seasons.winter, day):
                season = Season.WINTER
            self._season_cache = (day, season)
        return self._season_cache[1]

    def _is_open(self, now: float) -> bool:
        minute = int(now // 60)
        if self._open_cache is None or self._open_cache[0] != minute:
            self._open_cache = (minute, self.site.config.site.is_open(datetime.fromtimestamp(now, UTC)))
        return self._open_cache[1]

    def _measure(self, binding: Binding, now: float) -> tuple[float | None, bool]:
        """(value or None while the window is short of data, whether the data is fresh)."""
        rule = binding.rule
        assert rule is not None
        if rule.statistic in (Statistic.STATE, Statistic.LAST, Statistic.MEAN):
            track = self._tracks[binding.sensors[0]]
            if not track.fresh(now):
                return None, False
            if rule.statistic is Statistic.STATE:
                return (1.0 if track.label == rule.state else 0.0), True
            return self._window_value(track, binding, now), True
        if binding.fixed is not None:
            return binding.fixed, True  # U0 from the commissioning survey
        factors = binding.factors or (1.0,) * len(binding.sensors)
        scaled = [(self._tracks[s], k) for s, k in zip(binding.sensors, factors, strict=True)]
        fresh = [(t, k) for t, k in scaled if t.fresh(now)]
        if not fresh:
            return None, False
        values = ((self._window_value(t, binding, now), k) for t, k in fresh)
        means = [m * k for m, k in values if m is not None]
        if not means or (rule.statistic is Statistic.ZONE_UNIFORMITY and len(means) < 2):
            return None, True
        average = sum(means) / len(means)
        if rule.statistic is Statistic.ZONE_MEAN:
            return average, True
        if rule.statistic is Statistic.ZONE_MIN:
            return min(means), True
        return (min(means) / average if average > 0 else 0.0), True

    @staticmethod
    def _window_value(track: _Track, binding: Binding, now: float) -> float | None:
        if binding.window <= 0:
            return track.value
        rule = binding.rule
        assert rule is not None
        result = track.windows[binding.window].value(now, track.info.poll)
        if result.mean is None or result.covered < rule.min_coverage * binding.window:
            return None
        return result.mean

    @staticmethod
    def _breach(binding: Binding, value: float) -> tuple[bool, bool]:
        """(breached, recovered past the hysteresis threshold)."""
        rule = binding.rule
        assert rule is not None
        if rule.statistic is Statistic.STATE:
            return value >= 1, value < 1
        high, low, band = binding.max, binding.min, rule.recover
        if high is not None and low is not None:
            return (value > high or value < low), (low + band <= value <= high - band)
        if high is not None:
            return value > high, value <= high * (1 - band)
        assert low is not None
        return value < low, value >= low * (1 + band)

    def _step(self, binding: Binding, status: AlertStatus, value: float, now: float) -> AlertState | None:
        breached, recovered = self._breach(binding, value)
        state = status.state
        if state in (S.INACTIVE, S.RESOLVED, S.UNKNOWN):
            if breached:
                if state is S.UNKNOWN and status.before_unknown in (S.FIRING, S.ACKNOWLEDGED):
                    return status.before_unknown  # data is back and still breached: the same alert
                status.breach_since, status.clear_since = now, None
                return S.FIRING if binding.pending <= 0 else S.PENDING
            return S.RESOLVED if state is S.UNKNOWN else None
        if state is S.PENDING:
            if recovered:
                return S.RESOLVED
            if breached and now - (status.breach_since or now) >= binding.pending:
                return S.FIRING
            return None
        if breached:  # firing or acknowledged
            status.clear_since = None
            return None
        if not recovered:
            status.clear_since = None  # inside the hysteresis band: hold
            return None
        if status.clear_since is None:
            status.clear_since = now
        return S.RESOLVED if now - status.clear_since >= binding.keep_firing_for else None

    @staticmethod
    def _flap(status: AlertStatus, now: float) -> tuple[bool, bool]:
        """(flapping, newly flapping) after a firing: FLAP_COUNT firings within FLAP_WINDOW make it so.

        The firing that starts it is reported with FLAPPING_NOTE; those after it are marked `flapping`
        (muted) until the alert has not fired for a whole FLAP_WINDOW.
        """
        status.firings = [t for t in status.firings if now - t < FLAP_WINDOW] + [now]
        was = status.flapping
        status.flapping = len(status.firings) >= FLAP_COUNT or (was and len(status.firings) > 1)
        return status.flapping, status.flapping and not was

    def _move(
        self,
        binding: Binding,
        status: AlertStatus,
        target: AlertState,
        now: float,
        *,
        note: str = "",
        user: str | None = None,
        comment: str = "",
        inhibited_by: str | None = None,
    ) -> Transition:
        rule = binding.rule
        previous = status.state
        status.state, status.since = target, now
        flapping = newly = False
        if target is S.FIRING and previous is not S.UNKNOWN:
            flapping, newly = self._flap(status, now)
            note = FLAPPING_NOTE if newly else note
        if target is S.RESOLVED:
            status.breach_since = status.clear_since = None
            status.acked_by, status.acked_at, status.comment = None, None, ""
        transition = Transition(
            ts=now,
            key=binding.key,
            rule=binding.rule_id,
            name=binding.name,
            subject=binding.subject,
            zone=binding.zone,
            state=target,
            previous=previous,
            severity=binding.severity.value,
            value=status.value,
            unit=binding.unit,
            limit=binding.limit_text,
            statistic=rule.statistic.value if rule else "",
            window=binding.window,
            standard=binding.standard,
            clause=rule.source.clause if rule else "",
            wording=rule.source.wording if rule else "",
            confidence=rule.confidence.value if rule else "",
            override_reason=binding.override_reason,
            user=user,
            comment=comment,
            note=note,
            silenced_by=tuple(s.id for s in self._silences.values() if s.mutes(binding, now)),
            inhibited_by=inhibited_by,
            flapping=flapping and not newly,
            basis=binding.basis,
        )
        for listener in list(self._listeners):
            try:
                listener(transition)
            except Exception:  # a listener's bug must not stop evaluation
                log.exception("alert listener failed on %s", transition.key)
        return transition
