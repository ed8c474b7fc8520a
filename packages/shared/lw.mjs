import mysql from 'mysql2/promise';
const c1 = await mysql.createConnection({host:'127.0.0.1',user:'root'});
const c2 = await mysql.createConnection({host:'127.0.0.1',user:'root'});
await c1.query('CREATE DATABASE IF NOT EXISTS t_lw_probe'); await c1.query('USE t_lw_probe'); await c2.query('USE t_lw_probe');
await c1.query('CREATE TABLE IF NOT EXISTS c (id INT PRIMARY KEY, n INT) ENGINE=InnoDB'); await c1.query('INSERT IGNORE INTO c VALUES (1,0)');
await c1.query('BEGIN'); await c1.query('SELECT * FROM c WHERE id=1 FOR UPDATE');
await c2.query('SET SESSION innodb_lock_wait_timeout=1'); await c2.query('BEGIN');
let t=Date.now(); try { await c2.query('UPDATE c SET n=n+1 WHERE id=1'); } catch(e) { console.log(e.code, Date.now()-t); }
t=Date.now(); const r = await c1.query(`SELECT 1 FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id WHERE p.DB = DATABASE()`); console.log('probe ms', Date.now()-t);
await c1.query('ROLLBACK'); await c1.query('DROP DATABASE t_lw_probe'); await c1.end(); await c2.end();
