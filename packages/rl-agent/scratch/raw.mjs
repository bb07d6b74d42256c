const w = new Float64Array(16*16).map(()=>Math.random()-0.5); const x = new Float64Array(16).map(Math.random); const o = new Float64Array(16);
function layer(src, w, out, inputs, units){ for (let u=0;u<units;u++){ let acc=0; const b=u*inputs; for(let i=0;i<inputs;i++) acc+=src[i]*w[b+i]; out[u]=acc<0?0:acc;} }
let t=performance.now(); for(let r=0;r<2e6;r++){ layer(x,w,o,16,16); x[r&15]=o[r&15]*0.1; } console.log((performance.now()-t)*1e6/2e6/256, 'ns/MAC');
