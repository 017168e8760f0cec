/**
 * Vitest setup file: every response a watched server sends to a test is checked against its
 * OpenAPI document after the test; a response the document does not describe fails the test.
 */
import { afterEach, expect } from 'vitest';
import { installFetchRecorder, takeViolations } from './recorder.js';

installFetchRecorder();

afterEach(async () => {
  const violations = await takeViolations();
  expect(violations, 'responses the OpenAPI document does not describe').toEqual([]);
});
