/** Transport: the agent's MQTT request routes and the client that talks to them. */
export { AgentRoutes } from './mqtt.js';
export { AgentClient, type Envelope } from './client.js';
