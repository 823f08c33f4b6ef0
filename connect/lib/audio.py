"""Checking and converting sound files for the telephone platform (ORG-5 "Importér filen").

Uses ffprobe/ffmpeg from Debian's `ffmpeg` package, called safely:
- always with a list argv, never a shell; `-nostdin`; a timeout (AUDIO_TOOL_TIMEOUT seconds);
- reading only the one input file (`-protocol_whitelist file` and a `file:` URL, so a crafted
  name or playlist cannot make ffmpeg open anything else);
- the container is detected from the CONTENT by ffprobe, never from the file name, and must be
  WAV (PCM, µ-law or A-law) or MP3; ffmpeg is then pinned to that demuxer with `-f`.

`audio_check(path)` decodes the whole file and raises ValidationError with a sentence an admin
understands (not audio, truncated, no sound, unsupported encoding). `audio_convert(src, dst)`
writes the platform's format: WAV, PCM signed 16-bit little-endian, 8 kHz, mono.
"""

import io
import json
import math
import os
import shutil
import struct
import subprocess
import wave
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SAMPLE_RATE = 8000  # the telephone platform's format: 8 kHz, mono, PCM 16-bit
CHANNELS = 1
SAMPLE_BYTES = 2

WAV_CODECS = {
    "pcm_u8",
    "pcm_s16le",
    "pcm_s24le",
    "pcm_s32le",
    "pcm_f32le",
    "pcm_f64le",
    "pcm_mulaw",
    "pcm_alaw",
}
MP3_CODECS = {"mp3", "mp3float"}
ALLOWED = {"wav": WAV_CODECS, "mp3": MP3_CODECS}


@dataclass(frozen=True)
class AudioInfo:
    format: str  # "wav" or "mp3"
    codec: str
    sample_rate: int
    channels: int
    duration_ms: int  # of the decoded sound


def tone_wav(
    *, seconds=1.0, rate=SAMPLE_RATE, channels=CHANNELS, width=SAMPLE_BYTES, frequency=440
):
    """A sine tone as WAV bytes, made with Python's wave module (demo data, simulated
    recordings and tests; no ffmpeg needed)."""
    peak = 2 ** (8 * width - 1) - 1
    frames = bytearray()
    for i in range(int(rate * seconds)):
        value = int(0.4 * peak * math.sin(2 * math.pi * frequency * i / rate))
        sample = (
            bytes([128 + value * 127 // peak])
            if width == 1
            else value.to_bytes(width, "little", signed=True)
        )
        frames += sample * channels
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as f:
        f.setnchannels(channels)
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes(bytes(frames))
    return buffer.getvalue()


def _tool(name):
    path = shutil.which(name)
    if path is None:
        raise ValidationError(
            _(
                "Sound files cannot be checked right now (the audio tools are missing on the server). Contact support."
            ),
            code="no_tool",
        )
    return path


def _run(argv, *, stdout=subprocess.PIPE):
    timeout = float(getattr(settings, "AUDIO_TOOL_TIMEOUT", 60))
    try:
        return subprocess.run(  # noqa: S603 - a fixed list argv, no shell
            argv,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ValidationError(
            _("Checking the sound file took too long. Try a shorter file."), code="timeout"
        ) from exc


def _url(path):
    return "file:" + os.path.abspath(path)


NOT_AUDIO = _(
    "The file is not a sound file we can read. Choose a WAV file (PCM, µ-law or A-law) or an MP3 file."
)


def _probe(path):
    result = _run(
        [
            _tool("ffprobe"),
            "-v", "error",
            "-protocol_whitelist", "file",
            "-show_entries", "format=format_name:stream=codec_type,codec_name,sample_rate,channels",
            "-of", "json",
            _url(path),
        ]
    )  # fmt: skip
    if result.returncode != 0:
        raise ValidationError(NOT_AUDIO, code="not_audio")
    try:
        data = json.loads(result.stdout or b"{}")
    except ValueError as exc:
        raise ValidationError(NOT_AUDIO, code="not_audio") from exc
    fmt = (data.get("format") or {}).get("format_name", "")
    if fmt not in ALLOWED:
        raise ValidationError(NOT_AUDIO, code="not_audio")
    streams = [s for s in data.get("streams") or [] if s.get("codec_type") == "audio"]
    if not streams:
        raise ValidationError(_("The file holds no sound."), code="no_sound")
    stream = streams[0]
    if stream.get("codec_name") not in ALLOWED[fmt]:
        raise ValidationError(
            _(
                "This WAV file uses an encoding we cannot use (%(codec)s). Save it as PCM, µ-law or A-law."
            )
            % {"codec": stream.get("codec_name", "?")},
            code="codec",
        )
    return fmt, stream


def _wav_declared_data_size(path):
    """(declared size of the `data` chunk, bytes actually there), or None when the RIFF layout
    cannot tell (ffmpeg's decoding is the check then)."""
    with open(path, "rb") as f:
        header = f.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            return None
        file_size = os.fstat(f.fileno()).st_size
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                return None
            chunk_id, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if chunk_id == b"data":
                if size in (0, 0xFFFFFFFF):  # written by a streaming encoder: size unknown
                    return None
                return size, file_size - f.tell()
            f.seek(size + (size & 1), os.SEEK_CUR)


def audio_check(path):
    """Decode the whole file; return its AudioInfo or raise ValidationError."""
    if os.path.getsize(path) == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    fmt, stream = _probe(path)
    if fmt == "wav":
        sizes = _wav_declared_data_size(path)
        if sizes is not None and sizes[1] < sizes[0]:
            raise ValidationError(
                _(
                    "The WAV file is incomplete (it ends before its sound does). Upload the whole file."
                ),
                code="truncated",
            )
    decoded = 0
    timeout = float(getattr(settings, "AUDIO_TOOL_TIMEOUT", 60))
    argv = [
        _tool("ffmpeg"),
        "-nostdin", "-hide_banner", "-v", "error", "-xerror",
        "-protocol_whitelist", "file",
        "-f", fmt,
        "-i", _url(path),
        "-map", "0:a:0", "-ac", str(CHANNELS), "-ar", str(SAMPLE_RATE), "-f", "s16le", "pipe:1",
    ]  # fmt: skip
    # Count the decoded bytes as they stream out instead of holding them (20 MB of MP3 is ~2 h).
    with subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    ) as process:  # noqa: S603
        try:
            while chunk := process.stdout.read(65536):
                decoded += len(chunk)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            process.kill()
            raise ValidationError(
                _("Checking the sound file took too long. Try a shorter file."), code="timeout"
            ) from exc
    if process.returncode != 0:
        raise ValidationError(
            _("The sound in the file is damaged and cannot be played. Export the file again."),
            code="corrupt",
        )
    if decoded == 0:
        raise ValidationError(_("The file holds no sound."), code="no_sound")
    return AudioInfo(
        format=fmt,
        codec=stream.get("codec_name", ""),
        sample_rate=int(stream.get("sample_rate") or 0),
        channels=int(stream.get("channels") or 0),
        duration_ms=round(decoded / (SAMPLE_RATE * SAMPLE_BYTES * CHANNELS) * 1000),
    )


def audio_convert(src, dst):
    """Check `src` and write it to `dst` as WAV PCM 16-bit, 8 kHz, mono. Returns the AudioInfo
    of the result (duration of the converted sound)."""
    info = audio_check(src)
    result = _run(
        [
            _tool("ffmpeg"),
            "-nostdin", "-hide_banner", "-v", "error", "-y",
            "-protocol_whitelist", "file",
            "-f", info.format,
            "-i", _url(src),
            "-map", "0:a:0", "-map_metadata", "-1",
            "-ac", str(CHANNELS), "-ar", str(SAMPLE_RATE), "-c:a", "pcm_s16le", "-f", "wav",
            _url(dst),
        ]
    )  # fmt: skip
    if result.returncode != 0:
        raise ValidationError(
            _("The sound file could not be converted. Export the file again."), code="convert"
        )
    with wave.open(dst, "rb") as converted:
        frames, rate, channels = (
            converted.getnframes(),
            converted.getframerate(),
            converted.getnchannels(),
        )
    return AudioInfo(
        format="wav",
        codec="pcm_s16le",
        sample_rate=rate,
        channels=channels,
        duration_ms=round(frames / rate * 1000),
    )
