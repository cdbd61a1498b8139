'use strict';
// Loads the compiled sd_notify addon built by node-gyp during `npm ci`.
const binding = require('./build/Release/sdnotify.node');
module.exports = { notify: binding.notify };
