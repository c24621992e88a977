// findJava over JDK folders laid out as installers do (a `release` file, bin/java), and on this machine.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findJava } from './java.ts';

function fakeJdk(root: string, name: string, version: string): string {
  const home = join(root, name);
  mkdirSync(join(home, 'bin'), { recursive: true });
  writeFileSync(join(home, 'release'), `IMPLEMENTOR="Test"\nJAVA_VERSION="${version}"\n`);
  writeFileSync(join(home, 'bin', 'java'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(home, 'bin', 'java'), 0o755);
  return home;
}

test('the newest JDK at or above the asked version wins, whichever folder it is in', () => {
  const jvm = mkdtempSync(join(tmpdir(), 'jvm-'));
  fakeJdk(jvm, 'java-17-openjdk-amd64', '17.0.15');
  const temurin = fakeJdk(jvm, 'temurin-25-jdk-amd64', '25.0.3');
  fakeJdk(jvm, 'jdk-21', '21.0.2');
  assert.deepEqual(findJava(21, { PATH: '' }, [jvm]), { path: join(temurin, 'bin', 'java'), major: 25 });
  assert.equal(findJava(26, { PATH: '' }, [jvm]), undefined);
  // JAVA_HOME counts even outside the scanned folders; Java 8 calls itself 1.8.
  const other = mkdtempSync(join(tmpdir(), 'jvm-'));
  const old = fakeJdk(other, 'jdk8', '1.8.0_402');
  assert.equal(findJava(9, { PATH: '', JAVA_HOME: old }, []), undefined);
  assert.equal(findJava(8, { PATH: '', JAVA_HOME: old }, [])?.major, 8);
});

test('only Java 17 present: nothing for a Java 21 program', () => {
  const jvm = mkdtempSync(join(tmpdir(), 'jvm-'));
  fakeJdk(jvm, 'java-17-openjdk-amd64', '17.0.15');
  assert.equal(findJava(21, { PATH: '' }, [jvm]), undefined);
});

test('on this machine the java found runs and reports the major version read from its release file', (t) => {
  const found = findJava(11);
  if (!found) return t.skip('no Java 11+ here');
  const probe = spawnSync(found.path, ['-version'], { encoding: 'utf8' });
  assert.match(probe.stderr, new RegExp(`version "${found.major}[."]`));
});
