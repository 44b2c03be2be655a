import { convertUpload, type Converted, type UploadLimits } from '../voicemail/convert.ts';

/** Hold music: at most this big as uploaded, and this long after conversion. */
export const MAX_MEDIA_BYTES = 10 * 1024 * 1024;
export const MAX_MEDIA_MS = 10 * 60 * 1000;

const MEDIA_LIMITS: UploadLimits = {
  maxBytes: MAX_MEDIA_BYTES,
  maxMs: MAX_MEDIA_MS,
  formats: ['mp3', 'ogg'],
  notAccepted: 'is not a WAV, MP3 or OGG file',
  ffmpegTimeoutMs: 60_000,
};

/**
 * An uploaded track → the stored format (WAV, PCM 16-bit mono 8 kHz, what rtpengine plays to phones). WAV is
 * converted in-process (voicemail/wav.ts); MP3 and OGG (Vorbis/Opus) are decoded by ffmpeg with the input format
 * forced, so ffmpeg never probes anything else. The reason is for a person ('is not a WAV, MP3 or OGG file').
 */
export function convertMedia(buf: Buffer, ffmpeg = 'ffmpeg'): Promise<Converted> {
  return convertUpload(buf, MEDIA_LIMITS, ffmpeg);
}
