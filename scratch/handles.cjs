const { after } = require('node:test');
after(() => setTimeout(() => { const h = process._getActiveHandles(); console.error('HANDLES', h.map(x => x.constructor.name + (x._idleTimeout ? ':' + x._idleTimeout : '') + (x.remotePort ? ':'+x.remotePort : '') + (x._onTimeout ? ':' + String(x._onTimeout).slice(0,120).replace(/\s+/g,' ') : ''))); }, 2000).unref());
