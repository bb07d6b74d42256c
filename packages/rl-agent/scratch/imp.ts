const t = performance.now();
const a = await import('../src/index.js');
console.log('import ms', performance.now() - t);
const b = await a.initBackend();
console.log(b, performance.now() - t);
