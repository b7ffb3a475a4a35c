/**
 * Colours shared by the PNG charts and the HTML legends next to them, so a reader matches a
 * bar to its label by colour alone. Ready is blue and destructiveOnly red (not green/red), so
 * the two states that matter most stay apart for the common colour-vision deficiencies.
 */
import type { Posture } from '../../posture/types.js';

export const POSTURE_COLOURS: Record<Posture, string> = {
  nonDestructive: '#0969da',
  destructiveOnly: '#d1242f',
  noHelloKey: '#8250df',
  unknown: '#bf8700',
  stale: '#6e7781',
  notReported: '#c8d1da',
  entraRegistered: '#eaeef2',
};

export const TREND_COLOURS = {
  /** Bars: devices ready for a non-destructive reset. */
  nonDestructive: POSTURE_COLOURS.nonDestructive,
  /** Bars stacked above: the rest of the reporting devices. */
  otherReported: '#d0d7de',
  /** Line: ready share of reporting devices (right axis 0–100 %). */
  share: '#bc4c00',
} as const;

export const CHART_BACKGROUND = '#ffffff';
export const CHART_GRID = '#e1e4e8';
export const CHART_AXIS = '#57606a';
