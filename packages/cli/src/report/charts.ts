/**
 * Vega-Lite chart specs, compiled with vega-lite and rendered to SVG by vega's headless View
 * (renderer "none", no browser, no canvas): the report embeds the SVG inline.
 */
import * as vega from 'vega';
import { type TopLevelSpec, compile } from 'vega-lite';

export type ChartSpec = TopLevelSpec;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** One line per policy: request miss ratio against cache size (log scale when the sizes span 10× or more). */
export function missRatioCurveSpec(points: { series: string; capacity: number; missRatio: number }[], xTitle: string): ChartSpec {
  const capacities = points.map((p) => p.capacity);
  const wide = capacities.length > 0 && Math.max(...capacities) >= 10 * Math.min(...capacities);
  return {
    $schema: SCHEMA,
    width: 520,
    height: 320,
    data: { values: points },
    mark: { type: 'line', point: true },
    encoding: {
      // Capacities are whole objects or bytes: whole-number ticks, so one size is not read as "277.000000".
      x: { field: 'capacity', type: 'quantitative', title: xTitle, scale: wide ? { type: 'log', nice: false } : { zero: false }, axis: { format: ',d', tickMinStep: 1 } },
      // Which ratio: next to sizes in bytes, a bare "miss ratio" reads as the byte miss ratio.
      y: { field: 'missRatio', type: 'quantitative', title: 'request miss ratio', scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: 'policy', sort: null },
      tooltip: [{ field: 'series' }, { field: 'capacity' }, { field: 'missRatio', format: '.4f' }],
    },
  };
}

export function trainingCurveSpec(points: { step: number; value: number }[], yTitle: string): ChartSpec {
  return {
    $schema: SCHEMA,
    width: 420,
    height: 200,
    data: { values: points },
    mark: { type: 'line', point: points.length <= 50 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'environment step' },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false } },
    },
  };
}

export async function renderSvg(spec: ChartSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
