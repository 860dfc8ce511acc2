/* eslint-disable @typescript-eslint/no-require-imports */
/* global require, module, process, __dirname */
"use strict";
/*
 * The TypeScript loader for the offline synth, the tests and the scripts:
 * `node -r ./src/synth/register.js file.ts`. It strips types with Sucrase (the "typescript" and
 * "imports" transforms: CommonJS output with esModuleInterop semantics, line numbers kept, so stack
 * traces point at the right line) instead of ts-node, whose TypeScript emit and source-map-support
 * stack rewriting were half of a synth's time (see `npm run bench`, docs/synth-performance.md).
 * Type checking is `npm run typecheck` (tsc), as it was with `ts-node --transpile-only`.
 *
 * Transpiled files are cached by content (SHA-256 of the Sucrase version and the source) in
 * `node_modules/.cache/ml-platform-ts/`, and in memory, so a test process that loads `src/` once
 * per run of the program transpiles each file once. A file whose content changes gets a new key;
 * nothing is ever served stale. `ML_PLATFORM_TS_CACHE=0` turns the disk cache off.
 *
 * This file is JavaScript because it is what makes TypeScript loadable.
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");
const { transform } = require("sucrase");
const sucraseVersion = require("sucrase/package.json").version;

const cacheDir = path.join(__dirname, "..", "..", "node_modules", ".cache", "ml-platform-ts");
const useDisk = process.env.ML_PLATFORM_TS_CACHE !== "0";
/** @type {Map<string, string>} source text → JavaScript, for this process */
const memory = new Map();

/**
 * TypeScript source → CommonJS JavaScript.
 * @param {string} source @param {string} filename @returns {string}
 */
function compile(source, filename) {
    const hit = memory.get(source);
    if (hit !== undefined) return hit;
    const key = crypto.createHash("sha256").update(sucraseVersion).update("\0").update(source).digest("hex");
    const file = path.join(cacheDir, key.slice(0, 2), `${key}.js`);
    let code;
    if (useDisk) {
        try {
            code = fs.readFileSync(file, "utf8");
        } catch {
            code = undefined;
        }
    }
    if (code === undefined) {
        code = transform(source, { transforms: ["typescript", "imports"], filePath: filename }).code;
        if (useDisk) {
            try {
                fs.mkdirSync(path.dirname(file), { recursive: true });
                const tmp = `${file}.${process.pid}.tmp`;
                fs.writeFileSync(tmp, code);
                fs.renameSync(tmp, file); // atomic: parallel test workers never read half a file
            } catch {
                // a read-only or full disk only costs the next process a transpile
            }
        }
    }
    memory.set(source, code);
    return code;
}

/** @type {Map<string, Function>} filename + "\0" + JavaScript → its compiled CommonJS wrapper, for this process */
const wrappers = new Map();

/**
 * Loads a module from its JavaScript as `Module.prototype._compile` does (the CommonJS wrapper
 * called with exports, require, module, __filename, __dirname), but compiles each file's code once
 * per process. A test process loads `src/` afresh for every run of the program (mock-runtime.ts
 * clears it from the require cache); each load still runs the module's body in a fresh scope, so
 * module state is new, while V8 keeps the compiled and optimised functions of the earlier runs.
 * @param {NodeJS.Module} module @param {string} code @param {string} filename
 */
function load(module, code, filename) {
    const key = `${filename}\0${code}`;
    let wrapper = wrappers.get(key);
    if (!wrapper) {
        wrapper = vm.compileFunction(code, ["exports", "require", "module", "__filename", "__dirname"], { filename });
        wrappers.set(key, wrapper);
    }
    const require = (id) => module.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, module, false, options);
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, module);
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    wrapper.call(module.exports, module.exports, require, module, filename, path.dirname(filename));
}

if (!Module._extensions[".ts"]) {
    Module._extensions[".ts"] = function loadTypeScript(module, filename) {
        load(module, compile(fs.readFileSync(filename, "utf8"), filename), filename);
    };
}

/** How many files this process has compiled to a wrapper (each once, however often it loads them). */
const compiledFiles = () => wrappers.size;

module.exports = { compile, compiledFiles };
