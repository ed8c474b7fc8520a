const { mainApiDocument } = require('../main-service/dist/http/openapi');
const { adminApiDocument } = require('../admin-service/dist/openapi');
const m = mainApiDocument(), a = adminApiDocument();
console.log(Object.keys(m.paths).join(' '));
console.log(Object.keys(a.paths).join(' '));
console.log(Object.keys(m.components.schemas).join(' '), '|', Object.keys(a.components.schemas).join(' '));
console.log(JSON.stringify(m.paths['/api/products'].get.parameters.slice(0,2)));
console.log(JSON.stringify(a.paths['/api/products'].get.parameters.map(p=>p.name)));
