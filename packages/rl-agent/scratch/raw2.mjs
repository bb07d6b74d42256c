const F=14,H=+process.argv[2]||16,K=8;
const W=new Float64Array(H*F).map(()=>Math.random()-0.5), b=new Float64Array(H), w2=new Float64Array(H).map(()=>Math.random()-0.5);
const obs=new Float32Array(K*F).map(Math.random); const q=new Float64Array(K);
function fwd(obs){ for(let a=0;a<K;a++){ const off=a*F; let s=0; for(let u=0;u<H;u++){ let acc=b[u]; const base=u*F; for(let i=0;i<F;i++) acc+=obs[off+i]*W[base+i]; if(acc>0) s+=acc*w2[u]; } q[a]=s;} let best=0; for(let a=1;a<K;a++) if(q[a]>q[best]) best=a; return best;}
let z=0; let t=performance.now(); const n=1e6; for(let r=0;r<n;r++){ obs[r%112]=Math.random(); z+=fwd(obs);} console.log(H,(performance.now()-t)*1000/n,'us', z>0);
