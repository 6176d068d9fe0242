"""The alert chimes: one QSoundEffect per cue, loaded once, played on request.

A machine without an audio device (a server room PC, a remote desktop, a CI box) must not
notice: a sound that fails to load or play is logged once and then skipped; nothing raises.
Whether to play at all (on/off, quiet hours, only new tickets, pause) is decided by
`sportello.domain.alerts`; this module only plays.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtMultimedia import QSoundEffect

from sportello.domain.alerts import SoundCue
from sportello.ui.alert_resources import sound_file

log = logging.getLogger(__name__)


class AlertSound(QObject):
    """Plays the message or URGENT chime at the chosen volume; never breaks."""

    played = Signal(str)  # the cue, once its effect reports it is playing
    unavailable = Signal(str)  # the cue, with the reason logged: no device, no file

    def __init__(self, volume: int = 80, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.effects: dict[SoundCue, QSoundEffect] = {}
        self.broken: dict[SoundCue, str] = {}
        self._volume = 0.8
        for cue in SoundCue:
            path = sound_file(cue.value)
            if path is None:
                self.broken[cue] = f"resources/sounds/{cue.value}.wav is missing"
                log.warning("alert sound %s: %s", cue.value, self.broken[cue])
                continue
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(path)))
            effect.statusChanged.connect(lambda c=cue: self._status_changed(c))
            effect.playingChanged.connect(lambda c=cue: self._playing_changed(c))
            self.effects[cue] = effect
        self.set_volume(volume)

    def set_volume(self, percent: int) -> None:
        self._volume = max(0, min(100, percent)) / 100
        for effect in self.effects.values():
            effect.setVolume(self._volume)

    @property
    def volume(self) -> int:
        return round(self._volume * 100)

    def play(self, cue: SoundCue) -> bool:
        """Start the chime; False (and nothing else) when it cannot sound here."""
        effect = self.effects.get(cue)
        if effect is None or cue in self.broken or self._volume == 0:
            if cue in self.broken:
                self.unavailable.emit(cue.value)
            return False
        if effect.status() is QSoundEffect.Status.Error:
            self._mark_broken(cue, "the audio device refused it")
            return False
        effect.stop()  # a chime already ringing restarts rather than queueing
        effect.play()
        return True

    def stop(self) -> None:
        """Silence and let go: no signal may reach us once the app tears the effects down."""
        for effect in self.effects.values():
            effect.stop()
            effect.statusChanged.disconnect()
            effect.playingChanged.disconnect()
        self.effects = {}

    def is_playing(self) -> bool:
        return any(effect.isPlaying() for effect in self.effects.values())

    def _status_changed(self, cue: SoundCue) -> None:
        effect = self.effects.get(cue)
        if effect is not None and effect.status() is QSoundEffect.Status.Error:
            self._mark_broken(cue, "no audio output device, or the format is not supported")

    def _playing_changed(self, cue: SoundCue) -> None:
        effect = self.effects.get(cue)
        if effect is not None and effect.isPlaying():
            self.played.emit(cue.value)

    def _mark_broken(self, cue: SoundCue, why: str) -> None:
        if cue not in self.broken:
            self.broken[cue] = why
            log.warning("alert sound %s cannot play: %s; continuing silently", cue.value, why)
        self.unavailable.emit(cue.value)
