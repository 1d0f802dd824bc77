// A Headlamp plugin as `headlamp-plugin build` would leave it: a script run by the frontend with
// `new Function(...)`, using the libraries Headlamp shares on window.pluginLib.
(function () {
  var lib = window.pluginLib;
  var React = lib.React;
  lib.registerAppBarAction(
    React.createElement('span', { 'data-testid': 'lamplight-e2e-plugin', style: { padding: '0 8px' } }, 'e2e plugin loaded')
  );
  window.lamplightE2ePlugin = 'loaded';
})();
