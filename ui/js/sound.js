// sound.js — the sound of a timer running out. One bundled chime in an
// <audio> element outside the rendered page: on a parent's screen it plays
// once when a timer runs out; on a kitchen screen it plays again and again
// until every timer that ran out is handled (confirmed, given more time or
// cancelled). The volume and the mute are this screen's own setting (the
// shell keeps them in the profile: `sound_settings`, `set_sound`); the
// header's speaker button opens them (SoundContents).

import { h } from './dom.js';
import { Field } from './parts.js';

/** The chime, bundled with the page. */
export const CHIME_SRC = 'sounds/chime.ogg';
export const DEFAULT_SOUND = Object.freeze({ volume: 80, muted: false });

/** The ids of the timers of `view` that have run out. */
export function expiredIds(view) {
  return new Set((view?.timers || []).filter((t) => t.state === 'expired').map((t) => t.id));
}

/**
 * What the chime does for a view: `ring` (start from the beginning),
 * `stop`, or `keep` (leave it as it is).
 * - `before`: the ids that had run out in the view before (null: first view);
 * - `expired`: the ids that have run out now;
 * - `kiosk`: a kitchen screen repeats until none is left, even for one
 *   that ran out before the page opened (nobody has handled it);
 * - a parent's screen rings once for each timer that runs out while it
 *   shows, never for the ones it finds run out;
 * - `once`: a muted kitchen screen chimes once for a timer that runs out.
 */
export function chimeFor({ before, expired, kiosk, muted }) {
  if (expired.size === 0) return 'stop';
  const fresh = [...expired].some((id) => !before || !before.has(id));
  if (kiosk && muted) {
    // Whoever stands at a kitchen screen cannot silence it for good: the
    // mute quiets what rings now, and a timer that runs out later still
    // chimes, once.
    return before && fresh ? 'once' : 'stop';
  }
  if (muted) return 'stop';
  if (kiosk) return before && before.size > 0 && !fresh ? 'keep' : 'ring';
  return before && fresh ? 'ring' : 'keep';
}

/**
 * Where the <audio> element takes the chime from. WebKitGTK's media
 * engine (GStreamer) cannot read the app's own URL scheme (tauri://), so
 * the page fetches the file and plays it from a blob: URL; without fetch
 * (or blobs) it is given the file's address as it is.
 */
async function chimeSource(win) {
  try {
    const reply = await win.fetch(CHIME_SRC);
    if (!reply.ok) throw new Error(`${reply.status}`);
    return win.URL.createObjectURL(await reply.blob());
  } catch {
    return CHIME_SRC;
  }
}

/** The chime's player: an <audio> element appended to `doc.body`. */
export function createChime(doc) {
  let audio = null;
  let loaded = null;
  let before = null;
  let sound = { ...DEFAULT_SOUND };
  // Each ring, so that a stop before the source is ready wins.
  let rings = 0;

  function element() {
    if (!audio) {
      audio = doc.createElement('audio');
      audio.setAttribute('data-testid', 'chime');
      audio.setAttribute('data-chime', CHIME_SRC);
      audio.setAttribute('preload', 'auto');
      audio.hidden = true;
      doc.body.appendChild(audio);
      const win = doc.defaultView || globalThis;
      loaded = chimeSource(win).then((src) => { audio.src = src; });
    }
    audio.volume = Math.max(0, Math.min(1, sound.volume / 100));
    return audio;
  }

  async function ring(loop) {
    const a = element();
    const mine = ++rings;
    a.loop = loop;
    await loaded;
    if (mine !== rings) return;
    try { a.currentTime = 0; } catch { /* not loaded yet: it starts at 0 anyway */ }
    const played = a.play();
    if (played && typeof played.catch === 'function') played.catch(() => {});
  }

  function stop() {
    rings++;
    if (!audio) return;
    audio.loop = false;
    audio.pause();
  }

  return {
    /** This screen's sound setting changed (or was loaded). */
    setSound(next) {
      const wasMuted = sound.muted;
      sound = { ...DEFAULT_SOUND, ...next };
      // Unmuted: what has run out is heard again on the next look.
      if (wasMuted && !sound.muted) before = null;
      if (audio) audio.volume = Math.max(0, Math.min(1, sound.volume / 100));
      if (sound.muted) stop();
    },
    get sound() { return sound; },
    /** A new view: rings, stops or leaves the chime as the rules say. */
    update(view, kiosk) {
      const expired = expiredIds(view);
      const what = chimeFor({ before, expired, kiosk, muted: sound.muted });
      before = expired;
      if (what === 'ring') ring(kiosk);
      else if (what === 'once') ring(false);
      else if (what === 'stop') stop();
    },
    /** Plays it once, at the volume set (the setting's "Play"). */
    test() {
      // A kitchen screen ringing for a timer keeps ringing.
      if (!audio || audio.paused) ring(false);
    },
    /** Signed out: nothing rings, and the next board is a first view. */
    reset() { stop(); before = null; },
    /** Whether it is playing now (for the page's tests and the E2E). */
    get playing() { return Boolean(audio && !audio.paused); },
  };
}

/** The sound dialog's contents: the volume, the mute, a try. */
export function SoundContents(sound, { pending }) {
  const volume = Number.isFinite(sound?.volume) ? sound.volume : DEFAULT_SOUND.volume;
  const muted = Boolean(sound?.muted);
  return {
    title: 'Sound on this screen',
    sub: 'The chime when a timer runs out. A kitchen screen rings until someone handles the timer; muted, it still chimes once for each timer that runs out.',
    main: [
      Field(`Volume: ${volume}%`, h('input', {
        type: 'range', min: '0', max: '100', step: '5', value: String(volume), name: 'volume',
        'data-testid': 'sound-volume', 'data-change': 'sound-volume', disabled: muted,
      })),
      h('label', { class: 'check' },
        h('input', { type: 'checkbox', 'data-testid': 'sound-mute', 'data-change': 'sound-mute', checked: muted }),
        h('span', {}, 'Mute the chime')),
      h('button', {
        type: 'button', class: 'btn', 'data-action': 'sound-test', 'data-testid': 'sound-test', disabled: muted || pending,
      }, '▶ Play the chime'),
    ],
  };
}
