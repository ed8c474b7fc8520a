// Calibration: a NestJS 11 app (Express adapter) with one controller and the same JSON body.
// Decorators are applied as functions because this file is plain JavaScript.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { body, port } from './body.mjs';

class HelloController {
  hello() {
    return body;
  }
}
Controller()(HelloController);
Get('hello')(HelloController.prototype, 'hello', Object.getOwnPropertyDescriptor(HelloController.prototype, 'hello'));

class HelloModule {}
Module({ controllers: [HelloController] })(HelloModule);

const app = await NestFactory.create(HelloModule, { logger: false });
await app.listen(port, '127.0.0.1');
