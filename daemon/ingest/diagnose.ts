import type { CameraError } from './types.js';

/**
 * Reads ffmpeg's stderr (already redacted) and names what went wrong, so each
 * camera reports a specific, actionable error instead of "exit code 1".
 */
export interface Diagnosis extends CameraError {
  /** Retrying will not help until someone changes something (password, URL, codec, hwaccel). */
  permanent: boolean;
  hint: string;
}

interface Rule {
  code: string;
  permanent: boolean;
  test: RegExp;
  message: (line: string) => string;
  hint: string;
}

// Order matters: the first rule that matches any line wins.
const RULES: Rule[] = [
  {
    code: 'E_CAMERA_AUTH',
    permanent: true,
    test: /\b401\b|Unauthorized|\b403 Forbidden|authorization failed/i,
    message: () => 'camera refused the credentials (401 Unauthorized)',
    hint: 'check username and the password file for this camera',
  },
  {
    code: 'E_CAMERA_NOT_FOUND',
    permanent: true,
    // "404" or the OS's ENOENT text; not any "not found" (mp4's "moov atom not found" is invalid data).
    test: /\b404\b|No such file or directory/,
    message: (l) => (/No such file/.test(l) ? 'video file not found' : 'stream not found on the camera (404 Not Found)'),
    hint: 'check the URL path (stream name) or the file path',
  },
  {
    code: 'E_RECORD_FORMAT',
    permanent: true,
    test: /codec not currently supported in container|Could not write header for output file #1|Could not find tag for codec/i,
    message: () => 'the camera codec cannot be stream-copied into this recording container',
    hint: 'use record.format: mkv (it takes any codec)',
  },
  {
    code: 'E_CAMERA_HWACCEL',
    permanent: true,
    test: new RegExp(
      [
        'Device creation failed',
        'Failed setup for format (cuda|vaapi|nvdec)',
        'No device available for decoder',
        'Unknown decoder',
        'Cannot load (libcuda|libnvcuvid)',
        'hwaccel initialisation returned error',
      ].join('|'),
      'i',
    ),
    message: () => 'hardware decoding is not available with this ffmpeg/device',
    hint: 'set ffmpeg.hwaccel: none, or point ffmpeg.path at a build with this decoder',
  },
  {
    code: 'E_CAMERA_CODEC',
    permanent: true,
    test: new RegExp(
      [
        'Invalid data found when processing input',
        'matches no streams',
        'does not contain any stream',
        'Decoder \\(codec [^)]*\\) not found',
        'Unsupported codec',
        'could not find codec parameters',
        'no decoder found',
        'unsupported.*codec',
      ].join('|'),
      'i',
    ),
    message: (l) =>
      /matches no streams|does not contain any stream/i.test(l)
        ? 'input has no video stream'
        : /Invalid data found/i.test(l)
          ? 'input is not a video ffmpeg can read (invalid data)'
          : 'video codec not supported by this ffmpeg',
    hint: 'point the camera at a video stream (H.264/H.265/MJPEG/MPEG-4) or use an ffmpeg build with the decoder',
  },
  {
    code: 'E_CAMERA_UNREACHABLE',
    permanent: false,
    test: new RegExp(
      [
        'Connection refused',
        'No route to host',
        'Network is unreachable',
        'Connection timed out',
        'timed out',
        'Name or service not known',
        'Failed to resolve hostname',
        'Temporary failure in name resolution',
        'Host is unreachable',
        'Cannot assign requested address',
      ].join('|'),
      'i',
    ),
    message: (l) => {
      const m = new RegExp(
        '(' +
          [
            'Connection refused',
            'No route to host',
            'Network is unreachable',
            'Connection timed out',
            'timed out',
            'Name or service not known',
            'Failed to resolve hostname',
            'Temporary failure in name resolution',
            'Host is unreachable',
          ].join('|') +
          ')',
        'i',
      ).exec(l);
      return `camera unreachable (${m?.[1]?.toLowerCase() ?? 'network error'})`;
    },
    hint: 'check the camera is powered and on the network, the host/port in the URL, and firewalls',
  },
  {
    code: 'E_CAMERA_STREAM_LOST',
    permanent: false,
    test: new RegExp(
      [
        'End of file',
        'Connection reset by peer',
        'Broken pipe',
        'error while reading',
        'Input\\/output error',
        'RTP: PT=',
        'Server returned 5\\d\\d',
        'method \\w+ failed',
      ].join('|'),
      'i',
    ),
    message: () => 'stream interrupted (camera closed the connection)',
    hint: 'the camera or network dropped the stream; HomeSight reconnects with backoff',
  },
];

/** ffmpeg decoder complaints that are counted as decode errors (the stream goes on). */
const DECODE_ERROR = new RegExp(
  [
    'error while decoding',
    'concealing \\d+',
    'decode_slice_header error',
    'non-existing PPS',
    'no frame!',
    'Invalid NAL unit',
    'corrupt(ed)? (input|frame|packet|macroblock)',
    'missing picture in access unit',
    'Error splitting the input into NAL units',
    'illegal (short term|long term|reordering)',
    'top block unavailable',
    'left block unavailable',
    'ac-tex damaged',
    'Warning MVs not available',
    'Missing reference picture',
  ].join('|'),
  'i',
);

export function isDecodeError(line: string): boolean {
  return DECODE_ERROR.test(line);
}

/** Names the failure from ffmpeg's last stderr lines; null when nothing matches. */
export function diagnose(lines: readonly string[]): Diagnosis | null {
  for (const rule of RULES) {
    const line = lines.find((l) => rule.test.test(l) && !isDecodeError(l));
    if (line !== undefined) return { code: rule.code, message: rule.message(line), permanent: rule.permanent, hint: rule.hint };
  }
  return null;
}

/** The last meaningful stderr line, cut to a readable length (for unknown failures). */
export function lastLine(lines: readonly string[]): string {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]?.trim() ?? '';
    if (l !== '' && !/^Exiting normally|^\s*$/.test(l)) return l.length > 300 ? `${l.slice(0, 300)}…` : l;
  }
  return '';
}
